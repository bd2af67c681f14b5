"""tf.random: seeded sampling with TensorFlow's global + op seed rules (re-exports only)."""

from engine.ops.random import (  # noqa: F401
    categorical, normal, set_seed, shuffle, truncated_normal, uniform)
