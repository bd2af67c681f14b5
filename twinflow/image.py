"""tf.image: resizing (re-exports only)."""

from engine.ops.image import ResizeMethod, resize  # noqa: F401
