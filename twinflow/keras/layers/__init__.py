"""tf.keras.layers (re-exports only)."""

from twinflow.keras.base_layer import InputSpec, Layer  # noqa: F401
from twinflow.keras.functional import Input, InputLayer  # noqa: F401
from twinflow.keras.layers.core import (  # noqa: F401
    Activation, Dense, Dropout, Flatten, Lambda, Permute, RepeatVector, Reshape)
