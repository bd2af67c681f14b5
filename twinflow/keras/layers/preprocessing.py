"""StringLookup, IntegerLookup and TextVectorization: vocabularies as lookup tables.

The vocabulary comes from the constructor or from `adapt(data)` (most frequent first).
The table behind a layer is a tf.lookup.StaticHashTable made in the mode of its first
call — so in a TF1 graph it joins TABLE_INITIALIZERS and the classic recipe's
`session.run(tf.compat.v1.tables_initializer())` fills it, as in Keras 2.
Indices follow Keras: the mask token (if any) is 0, then the OOV index(es), then the
vocabulary.
"""

from __future__ import annotations

import collections
import re

import numpy as np

from engine import dtypes
from engine.lookup import KeyValueTensorInitializer, StaticHashTable
from engine.ops import array, math, strings
from engine.ops.core import convert_to_tensor
from twinflow.keras.base_layer import Layer

__all__ = ["StringLookup", "IntegerLookup", "TextVectorization"]


class _Lookup(Layer):
    """Shared vocabulary, adapt and table logic of the lookup layers."""

    key_dtype = dtypes.string

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, invert=False, output_mode="int", **kwargs):
        kwargs.setdefault("dtype", "int64")
        super().__init__(**kwargs)
        if output_mode != "int":
            raise NotImplementedError(f"output_mode={output_mode!r}: twinflow's lookup "
                                      "layers return integer indices ('int').")
        if num_oov_indices != 1:
            raise NotImplementedError("twinflow's lookup layers use one OOV index.")
        self.max_tokens, self.mask_token, self.oov_token = max_tokens, mask_token, oov_token
        self.num_oov_indices, self.invert = num_oov_indices, invert
        self._vocabulary, self._tables = [], {}
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    def _special(self):
        return ([self.mask_token] if self.mask_token is not None else []) + [self.oov_token]

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (mask, OOV, then the vocabulary)."""
        tokens = (self._special() if include_special_tokens else []) + list(self._vocabulary)
        return [_plain(t) for t in tokens]

    def vocabulary_size(self):
        return len(self._vocabulary) + len(self._special())

    def set_vocabulary(self, vocabulary):
        vocabulary = [_key(v) for v in vocabulary]
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are "
                             f"{sorted({v for v in vocabulary if vocabulary.count(v) > 1})}")
        self._vocabulary, self._tables = vocabulary, {}

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary: the tokens by decreasing frequency, ties by decreasing
        token (Keras 2's `np.lexsort((tokens, counts))[::-1]`)."""
        counts = collections.Counter(self._tokens(data))
        special = set(self._special())
        ranked = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        ranked = [t for t in ranked if t not in special]
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - len(self._special()), 0)]
        self.set_vocabulary(ranked)

    def _tokens(self, data):
        values = np.asarray(data.numpy() if hasattr(data, "numpy") else data).ravel()
        return [_key(v) for v in values]

    def _table(self):
        """This layer's table in the current graph (or eagerly): made on first use."""
        from engine import context
        key = id(context.current_executor()) if not context.executing_eagerly() else "eager"
        table = self._tables.get(key)
        if table is None:
            offset = len(self._special())
            keys = self._vocabulary if not self.invert else list(
                range(offset, offset + len(self._vocabulary)))
            values = list(range(offset, offset + len(self._vocabulary))) if not self.invert \
                else self._vocabulary
            kdt, vdt = (self.key_dtype, dtypes.int64) if not self.invert else (
                dtypes.int64, self.key_dtype)
            default = (offset - 1) if not self.invert else self.oov_token
            table = StaticHashTable(KeyValueTensorInitializer(
                _tensor(keys, kdt), _tensor(values, vdt), kdt, vdt), default,
                name=f"{self.name}_table")
            self._tables[key] = table
        return table

    def call(self, inputs):
        inputs = convert_to_tensor(inputs)
        if (self.invert or self.key_dtype != dtypes.string) and inputs.dtype.is_integer \
                and inputs.dtype != dtypes.int64:  # the table's keys are int64
            inputs = math.cast(inputs, dtypes.int64)
        out = self._table().lookup(inputs)
        if self.mask_token is not None and not self.invert:
            mask = math.equal(inputs, _tensor(self.mask_token, self.key_dtype))
            out = math.where(mask, array.zeros_like(out), out)
        return out

    def get_config(self):
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "mask_token": _plain(self.mask_token),
                "oov_token": _plain(self.oov_token), "invert": self.invert,
                "vocabulary": [_plain(v) for v in self._vocabulary]}


def _key(value):
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (np.integer, int)):
        return int(value)
    return value if isinstance(value, bytes) else value.item()


def _plain(value):
    return value.decode() if isinstance(value, bytes) else value


def _tensor(values, dtype):
    if dtype == dtypes.string:
        values = [v.encode() if isinstance(v, str) else v for v in
                  (values if isinstance(values, list) else [values])]
        array_ = np.empty(len(values), dtype=object)
        array_[:] = values
        return convert_to_tensor(array_ if len(values) != 1 or isinstance(values, list)
                                 else array_[0], dtype=dtypes.string)
    return convert_to_tensor(np.asarray(values, dtype=np.int64), dtype=dtypes.int64)


class StringLookup(_Lookup):
    """Strings -> integer indices: the OOV token "[UNK]" is 0 (1 when a mask token takes
    0), the vocabulary follows."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, invert=False, output_mode="int", **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         invert, output_mode, **kwargs)
        self.oov_token = _key(oov_token)
        self.mask_token = None if mask_token is None else _key(mask_token)


class IntegerLookup(_Lookup):
    """Integers -> contiguous indices (OOV token -1 by default)."""

    key_dtype = dtypes.int64

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, invert=False, output_mode="int", **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         invert, output_mode, **kwargs)


_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


class TextVectorization(StringLookup):
    """Sentences -> padded rows of token indices: lowercase, strip punctuation, split on
    whitespace, look up (0 = padding, 1 = OOV), pad or cut to output_sequence_length."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, vocabulary=None, **kwargs):
        if standardize not in ("lower_and_strip_punctuation", "lower", None) or \
                split not in ("whitespace", None) or ngrams:
            raise NotImplementedError("TextVectorization: standardize in (None, 'lower', "
                                      "'lower_and_strip_punctuation'), split='whitespace', "
                                      "no ngrams.")
        self.standardize, self.split = standardize, split
        self.output_sequence_length = output_sequence_length
        super().__init__(max_tokens=max_tokens, mask_token="", vocabulary=vocabulary,
                         output_mode=output_mode, **kwargs)

    def _standardized(self, text):
        text = text.lower() if self.standardize else text
        if self.standardize == "lower_and_strip_punctuation":
            text = re.sub(_PUNCTUATION.encode(), b"", text)
        return text

    def _tokens(self, data):
        values = np.asarray(data.numpy() if hasattr(data, "numpy") else data).ravel()
        return [t for v in values for t in self._standardized(_key(v)).split()]

    def call(self, inputs):
        text = convert_to_tensor(inputs, dtype=dtypes.string)
        if text.shape.rank == 2:
            text = array.reshape(text, [-1])
        if self.standardize:
            text = strings.lower(text)
        if self.standardize == "lower_and_strip_punctuation":
            text = strings.regex_replace(text, _PUNCTUATION, "")
        width = -1 if self.output_sequence_length is None else self.output_sequence_length
        tokens = strings.ragged_to_dense(strings.split(text), b"", width)
        return super().call(tokens)

    def get_config(self):
        config = super().get_config()
        for key in ("num_oov_indices", "mask_token", "oov_token", "invert"):
            config.pop(key)
        return {**config, "standardize": self.standardize, "split": self.split,
                "output_sequence_length": self.output_sequence_length}
