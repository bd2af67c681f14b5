"""tf.keras.datasets.digits: the UCI optical handwritten digits, 8x8 images, shipped.

1,797 grey-level images of the digits 0-9 (each pixel the count, 0-16, of "on" pixels
in a 4x4 block of a 32x32 bitmap): the data set's test file, the copy scikit-learn
ships as `load_digits`,
E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
Learning Repository (1998), https://doi.org/10.24432/C50P49, CC BY 4.0 (see CITATION.md
beside this file). Stored as digits.npz (numpy's compressed format, read without
pickle); nothing is fetched at run time.
"""

from __future__ import annotations

import io
import zlib
from importlib import resources

import numpy as np

__all__ = ["load_data", "NUM_TRAIN", "NUM_TEST"]

NUM_TRAIN, NUM_TEST = 1437, 360
# crc32 of the images and labels as shipped: a damaged package file fails loudly
_CRC32 = {"x": 4087501628, "y": 4168075561}


def load_data():
    """The digits, split by position: the first 1,437 images train, the last 360 test
    (the split is fixed — no shuffling — so every run sees the same sets; each class has
    141-146 training and 33-37 test images).

    Returns:
        ((x_train, y_train), (x_test, y_test)): x uint8 [n, 8, 8] with values 0..16,
        y uint8 [n] with values 0..9.

    Raises:
        DataLossError: the shipped file is damaged.
    """
    data = resources.files(__package__).joinpath("digits.npz").read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        x, y = npz["x"], npz["y"]
    for name, array in (("x", x), ("y", y)):
        if zlib.crc32(np.ascontiguousarray(array).tobytes()) != _CRC32[name]:
            from engine import errors
            raise errors.DataLossError(None, None, "twinflow/keras/datasets/digits.npz is "
                                       f"damaged ({name} fails its checksum): reinstall "
                                       "twinflow.")
    return (x[:NUM_TRAIN], y[:NUM_TRAIN]), (x[NUM_TRAIN:], y[NUM_TRAIN:])
