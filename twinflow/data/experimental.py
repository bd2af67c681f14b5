"""tf.data.experimental: the names TF1-era code still uses."""

from twinflow.data.dataset import INFINITE as INFINITE_CARDINALITY  # noqa: F401
from twinflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY  # noqa: F401

AUTOTUNE = -1


def cardinality(dataset):
    """The dataset's number of elements as an int64 scalar (-1 infinite, -2 unknown)."""
    return dataset.cardinality()
