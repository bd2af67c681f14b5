"""tf.lookup: static key -> value tables (re-exports only)."""

from engine.lookup import (  # noqa: F401
    KeyValueTensorInitializer, StaticHashTable, StaticVocabularyTable, TextFileIndex,
    TextFileInitializer)
