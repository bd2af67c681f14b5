"""tf.nn: activations, softmax, losses, dropout, moments (re-exports only)."""

from engine.ops.math import sigmoid, tanh  # noqa: F401
from engine.ops.nn import (  # noqa: F401
    bias_add, dropout, elu, gelu, l2_loss, l2_normalize, leaky_relu, log_softmax, moments,
    relu, relu6, selu, sigmoid_cross_entropy_with_logits, softmax,
    softmax_cross_entropy_with_logits, softplus, softsign,
    sparse_softmax_cross_entropy_with_logits)
from engine.ops.sort import top_k  # noqa: F401
from engine.ops.conv import (  # noqa: F401
    conv1d, conv2d, conv2d_transpose, convolution, depthwise_conv2d,
    depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input)
from engine.ops.embedding import embedding_lookup  # noqa: F401
from engine.ops.norm import batch_normalization, local_response_normalization, lrn  # noqa: F401
from engine.ops.pool import (  # noqa: F401
    avg_pool, avg_pool1d, avg_pool2d, max_pool, max_pool1d, max_pool2d)
