"""tf.nn: activations, softmax, losses, dropout, moments (re-exports only)."""

from engine.ops.math import sigmoid, tanh  # noqa: F401
from engine.ops.nn import (  # noqa: F401
    bias_add, dropout, elu, gelu, l2_loss, l2_normalize, leaky_relu, log_softmax, moments,
    relu, relu6, selu, sigmoid_cross_entropy_with_logits, softmax,
    softmax_cross_entropy_with_logits, softplus, softsign,
    sparse_softmax_cross_entropy_with_logits)
from engine.ops.sort import top_k  # noqa: F401
