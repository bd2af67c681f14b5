"""Embedding: integer ids -> rows of a trainable [input_dim, output_dim] matrix.

The lookup is tf.gather, whose gradient scatters the incoming rows back into the
matrix, so the same code trains eagerly, in tf.function and in a TF1 graph.
"""

from __future__ import annotations

from engine import dtypes
from engine.ops import indexing, math
from engine.ops.core import convert_to_tensor
from twinflow.keras import initializers, regularizers
from twinflow.keras.base_layer import Layer
from twinflow.keras.layers.normalization import get_constraint, serialize_constraint

__all__ = ["Embedding"]


def _initializer(identifier):
    """Keras's "uniform" is RandomUniform(-0.05, 0.05) (its default for embeddings)."""
    if identifier == "uniform":
        return initializers.RandomUniform(-0.05, 0.05)
    return initializers.get(identifier)


class Embedding(Layer):
    """Maps each id in [0, input_dim) to its row of `embeddings`: [..] -> [.., output_dim].

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the size of each embedding vector.
        embeddings_initializer: default "uniform" (RandomUniform(-0.05, 0.05)).
        mask_zero: whether id 0 is padding: `compute_mask(ids)` is then `ids != 0`.
        input_length: the (fixed) length of the id sequences, if any; as in Keras 2 it
            becomes the layer's input_shape, so a Sequential model knows its input.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if input_length else (None,)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError(f"Both `input_dim` and `output_dim` should be positive, Received "
                             f"input_dim = {input_dim} and output_dim = {output_dim}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = _initializer(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = get_constraint(embeddings_constraint)
        self.mask_zero, self.input_length = bool(mask_zero), input_length
        self.supports_masking = self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", [self.input_dim, self.output_dim],
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if inputs.dtype not in (dtypes.int32, dtypes.int64):
            inputs = math.cast(inputs, dtypes.int32)  # Keras 2 accepts float ids too
        return indexing.gather(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        """`inputs != 0` when mask_zero (pass it to an RNN's `mask=`), else None."""
        if not self.mask_zero:
            return None
        inputs = convert_to_tensor(inputs)
        return math.not_equal(inputs, convert_to_tensor(0, dtype=inputs.dtype))

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": serialize_constraint(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "input_length": self.input_length}
