"""tf.strings: operations on string tensors (re-exports only)."""

from engine.ops.strings import (  # noqa: F401
    as_string, join, length, lower, regex_replace, split, substr, to_number, upper)
