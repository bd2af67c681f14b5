"""tf.compat.v1.image: TF1's resize functions (align_corners, half_pixel_centers)."""

from engine.ops.image import (  # noqa: F401
    ResizeMethodV1 as ResizeMethod, resize_bilinear, resize_images_v1 as resize,
    resize_images_v1 as resize_images, resize_nearest_neighbor)
