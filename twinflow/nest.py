"""tf.nest: flatten and rebuild nested structures (re-exports only)."""

from engine.nest import (  # noqa: F401
    assert_same_structure, flatten, is_nested, map_structure, pack_sequence_as)
