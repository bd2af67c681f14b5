"""tf.compat.v1.nn: tf.nn plus TF1's argument spellings (keep_prob, dim) and the v1
softmax cross-entropy, whose labels get no gradient."""

from engine.ops import nn as _nn
from engine.ops.core import stop_gradient
from twinflow.nn import *  # noqa: F401,F403
from engine.ops.conv import (  # noqa: F401
    conv1d_v1 as conv1d, conv2d_backprop_filter, conv2d_backprop_input,
    conv2d_transpose_v1 as conv2d_transpose, conv2d_v1 as conv2d, convolution_v1 as convolution,
    depthwise_conv2d_v1 as depthwise_conv2d)
from engine.ops.embedding import embedding_lookup_v1 as embedding_lookup  # noqa: F401
from engine.ops.norm import fused_batch_norm  # noqa: F401
from engine.ops.pool import avg_pool_v1 as avg_pool, max_pool_v1 as max_pool  # noqa: F401


def _one_of(new, old, new_name, old_name):
    if new is not None and old is not None:
        raise ValueError(f"Cannot specify both '{new_name}' and '{old_name}'.")
    return new if new is not None else old


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF1 dropout: keeps each element with probability `keep_prob` (or 1 - rate).

    Raises:
        ValueError: both or neither of keep_prob and rate, or keep_prob outside (0, 1].
    """
    if keep_prob is None and rate is None:
        raise ValueError("You must provide a rate to dropout (or keep_prob, deprecated).")
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both 'rate' and 'keep_prob'.")
        if isinstance(keep_prob, (int, float)) and not 0 < keep_prob <= 1:
            raise ValueError(f"keep_prob must be a scalar tensor or a float in the range "
                             f"(0, 1], got {keep_prob}")
        rate = 1 - keep_prob
    return _nn.dropout(x, rate, noise_shape=noise_shape, seed=seed, name=name)


def softmax(logits, axis=None, name=None, dim=None):
    """softmax with TF1's `dim` accepted for `axis`."""
    return _nn.softmax(logits, axis=_one_of(axis, dim, "axis", "dim"), name=name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """log_softmax with TF1's `dim` accepted for `axis`."""
    return _nn.log_softmax(logits, axis=_one_of(axis, dim, "axis", "dim"), name=name)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """TF1's softmax cross-entropy: like the v2 one, but no gradient reaches the labels."""
    if _sentinel is not None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named "
                         "arguments (labels=..., logits=..., ...).")
    axis = _one_of(axis, dim, "axis", "dim")
    return _nn.softmax_cross_entropy_with_logits(stop_gradient(labels), logits, axis=axis,
                                                 name=name)


softmax_cross_entropy_with_logits_v2 = _nn.softmax_cross_entropy_with_logits
