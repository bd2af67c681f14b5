"""tf.strings: operations on string tensors (re-exports only)."""

from engine.ops.strings import (  # noqa: F401
    as_string, format, join, length, lower, reduce_join, regex_replace, split, strip, substr,
    to_hash_bucket_fast, to_number, upper)
