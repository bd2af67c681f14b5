"""tf.lookup: static tables mapping keys to values, in both modes.

Eagerly a table is filled when it is created. In a graph, creating it adds its
initializer op to the TABLE_INITIALIZERS collection; each Session must run
`tf.compat.v1.tables_initializer()` before a lookup, or the lookup raises
FailedPreconditionError "Table not initialized.".
"""

from __future__ import annotations

from engine import context, dtypes
from engine.context import execute
from engine.ops import lookup as ops
from engine.ops.core import convert_to_tensor
from engine.resources import ResourceHandle

__all__ = ["KeyValueTensorInitializer", "TextFileInitializer", "TextFileIndex",
           "StaticHashTable", "StaticVocabularyTable"]


class TextFileIndex:
    """Which column of a vocabulary file becomes the key or value."""

    WHOLE_LINE = -2
    LINE_NUMBER = -1


class KeyValueTensorInitializer:
    """Fills a table from two tensors of the same shape: keys and values."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self._keys = convert_to_tensor(keys, dtype=key_dtype)
        self._values = convert_to_tensor(values, dtype=value_dtype)
        self.key_dtype, self.value_dtype = self._keys.dtype, self._values.dtype

    def initialize(self, table):
        return execute(ops.TABLE_IMPORT, (table.resource_handle, self._keys, self._values),
                       None, "table_init")


class TextFileInitializer:
    """Fills a table from a text file: one entry per line (a column or the whole line)."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index,
                 vocab_size=None, delimiter="\t", name=None, value_index_offset=0):
        for index, dtype, which in ((key_index, key_dtype, "key"),
                                    (value_index, value_dtype, "value")):
            if index == TextFileIndex.LINE_NUMBER and dtypes.as_dtype(dtype) != dtypes.int64:
                raise ValueError(f"`{which}_dtype` must be int64 for `{which}_index` -1 "
                                 f"(TextFileIndex.LINE_NUMBER), received: {dtype!r}.")
        self._filename = filename
        self.key_dtype, self.value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(
            value_dtype)
        self._attrs = {"key_index": key_index, "value_index": value_index,
                       "delimiter": delimiter, "vocab_size": vocab_size,
                       "key_dtype": self.key_dtype, "value_dtype": self.value_dtype}

    def initialize(self, table):
        filename = convert_to_tensor(str(self._filename), dtype=dtypes.string)
        return execute(ops.TABLE_FROM_TEXT_FILE, (table.resource_handle, filename),
                       self._attrs, "table_init")


def _keys_of(keys, key_dtype):
    keys = convert_to_tensor(keys, dtype_hint=key_dtype)
    if keys.dtype != key_dtype:
        raise TypeError(f"Signature mismatch. Keys must be dtype {key_dtype}, got "
                        f"{keys.dtype}.")
    return keys


class StaticHashTable:
    """An immutable key -> value table with a default for missing keys.

    Args:
        initializer: a KeyValueTensorInitializer or TextFileInitializer.
        default_value: what `lookup` returns for a key not in the table.
    """

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        self._initializer = initializer
        self.key_dtype, self.value_dtype = initializer.key_dtype, initializer.value_dtype
        self._default = convert_to_tensor(default_value, dtype=self.value_dtype)
        self._name = name or "hash_table"
        self._resource = ResourceHandle(self._name, "table", self.value_dtype)
        self._handle = execute(ops.TABLE_HANDLE, (), {"handle": self._resource,
                                                      "key_dtype": self.key_dtype,
                                                      "value_dtype": self.value_dtype},
                               self._name)
        self._init_op = initializer.initialize(self)
        hook = getattr(context.current_executor(), "table_created", None)
        if hook is not None:
            hook(self._init_op)

    @property
    def resource_handle(self):
        return self._handle

    @property
    def name(self):
        return self._name

    @property
    def default_value(self):
        return self._default

    @property
    def initializer(self):
        return self._init_op

    def lookup(self, keys, name=None):
        """The value of each key (the default where absent), keys' shape kept.

        Raises:
            TypeError: keys of another dtype than the table's.
        """
        keys = _keys_of(keys, self.key_dtype)
        return execute(ops.TABLE_FIND, (self._handle, keys, self._default), None, name)

    def size(self, name=None):
        """The number of entries (int64)."""
        return execute(ops.TABLE_SIZE, (self._handle,), None, name)

    def export(self, name=None):
        """(keys, values) of every entry."""
        return execute(ops.TABLE_EXPORT, (self._handle,), {"key_dtype": self.key_dtype}, name)

    def __getitem__(self, keys):
        return self.lookup(keys)


class StaticVocabularyTable:
    """Keys in the vocabulary map to their ids; others to one of `num_oov_buckets` ids
    after the vocabulary: vocab_size + Fingerprint64(key) % num_oov_buckets, with int64
    keys hashed as their decimal text, exactly TensorFlow's buckets.

    Raises:
        TypeError: the initializer's values are not int64, or its keys neither int64
            nor string.
    """

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if num_oov_buckets <= 0:
            raise ValueError(f"`num_oov_buckets` must be > 0; use StaticHashTable. "
                             f"Received {num_oov_buckets}.")
        if initializer.value_dtype != dtypes.int64:
            raise TypeError(f"Invalid `value_dtype`, expected int64 but got "
                            f"{initializer.value_dtype.name}: a vocabulary maps keys to "
                            "int64 ids.")
        if initializer.key_dtype not in (dtypes.int64, dtypes.string):
            raise TypeError(f"Invalid `key_dtype`, expected one of (int64, string), but got "
                            f"{initializer.key_dtype.name}.")
        self._table = StaticHashTable(initializer, -1, name=name or "vocab_table")
        self._buckets = int(num_oov_buckets)
        self.key_dtype = dtypes.as_dtype(lookup_key_dtype or self._table.key_dtype)
        if self.key_dtype not in (self._table.key_dtype, dtypes.int32):
            raise TypeError(f"Invalid `lookup_key_dtype` {self.key_dtype.name} for a table "
                            f"of {self._table.key_dtype.name} keys.")
        self.value_dtype = dtypes.int64

    @property
    def resource_handle(self):
        return self._table.resource_handle

    def size(self, name=None):
        """The vocabulary size plus the number of OOV buckets."""
        from engine.ops import math
        return math.add(self._table.size(), self._buckets, name=name)

    def lookup(self, keys, name=None):
        """Each key's id: its vocabulary index, or a hashed OOV bucket after the vocabulary."""
        from engine.ops import math, strings
        keys = _keys_of(keys, self.key_dtype)
        if keys.dtype != self._table.key_dtype:  # int32 lookups of an int64 vocabulary
            keys = math.cast(keys, self._table.key_dtype)
        ids = self._table.lookup(keys)
        text = keys if keys.dtype == dtypes.string else strings.as_string(keys)
        bucket = strings.to_hash_bucket_fast(text, self._buckets)
        return math.where(math.greater_equal(ids, 0), ids,
                          math.add(bucket, self._table.size()), name=name)
