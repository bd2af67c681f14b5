"""tf.keras.activations: by function or by name."""

from __future__ import annotations

from engine.ops import math, nn

__all__ = ["get", "serialize", "deserialize", "relu", "sigmoid", "tanh", "softmax", "linear",
           "elu", "selu", "softplus", "softsign", "swish", "gelu", "exponential",
           "hard_sigmoid", "leaky_relu", "relu6"]


def linear(x):
    """x unchanged."""
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0) (with Keras's alpha, max_value and threshold options)."""
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    out = x if threshold == 0.0 else math.where(x > threshold, x, 0.0 * x)
    out = nn.relu(out) if alpha == 0.0 else nn.leaky_relu(out, alpha)
    return out if max_value is None else math.minimum(out, float(max_value))


def softmax(x, axis=-1):
    return nn.softmax(x, axis=axis)


def hard_sigmoid(x):
    return math.clip_by_value(x * 0.2 + 0.5, 0.0, 1.0)


def leaky_relu(x, alpha=0.3):
    return nn.leaky_relu(x, alpha)


sigmoid, tanh, exponential = math.sigmoid, math.tanh, math.exp
elu, selu, softplus, softsign = nn.elu, nn.selu, nn.softplus, nn.softsign
relu6 = nn.relu6


def swish(x):
    return x * math.sigmoid(x)


def gelu(x, approximate=False):
    return nn.gelu(x, approximate=approximate)


_BY_NAME = {"linear": linear, "relu": relu, "sigmoid": sigmoid, "tanh": tanh,
            "softmax": softmax, "elu": elu, "selu": selu, "softplus": softplus,
            "softsign": softsign, "swish": swish, "silu": swish, "gelu": gelu,
            "exponential": exponential, "hard_sigmoid": hard_sigmoid,
            "leaky_relu": leaky_relu, "relu6": relu6}  # explicit: op functions share names


def get(identifier):
    """An activation function from a name, a function, or None (linear).

    Raises:
        ValueError: an unknown name.
    """
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    try:
        return _BY_NAME[str(identifier)]
    except KeyError:
        raise ValueError(f"Unknown activation function: '{identifier}'. Please ensure you "
                         f"are using a `keras.utils.custom_object_scope` and that this "
                         f"object is included in the scope.") from None


def serialize(activation):
    """The name of a built-in activation (what get_config stores)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", str(activation))


deserialize = get
