"""tf.nn cross-entropy losses: sigmoid, softmax (soft labels) and sparse (class ids).

Re-exported by engine.ops.nn (which imports this module), kept apart for size. The
fused ops return (loss, backprop) as TensorFlow's kernels do; the backprop output is
the gradient, and the second output's own gradient gives second derivatives.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine import infer as _infer
from engine.context import execute
from engine.errors import InvalidArgumentError
from engine.ops.math import (
    add,
    cast,
    exp,
    greater_equal,
    log1p,
    multiply,
    negative,
    subtract,
    where,
)
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["sigmoid_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
           "sparse_softmax_cross_entropy_with_logits"]

REAL_FLOAT_KINDS = ("f", "float16, bfloat16, float32, float64")


def check_float(op_name, dtype):
    """TypeError in TensorFlow's words unless `dtype` is a real floating type."""
    if dtype._np.kind != "f":
        raise TypeError(f"Value passed to parameter 'features' of '{op_name}' has DataType "
                        f"{dtype.name} not in list of allowed values: {REAL_FLOAT_KINDS[1]}")


def shifted(logits):
    """logits minus their max over the last axis (rows of 0 classes need no shift)."""
    if logits.dtype.kind != "f":
        raise TypeError(f"logits must be float16, float32 or float64, not {logits.dtype}")
    if logits.ndim == 0:
        raise ValueError("logits must have >= 1 dimension")
    if logits.shape[-1] == 0:
        return logits
    return logits - np.maximum.reduce(logits, axis=-1, keepdims=True)


def _array():
    from engine.ops import array
    return array


def _reduce():
    from engine.ops import reduce
    return reduce


def _ensure_xent_args(name, labels, logits):
    if labels is None or logits is None:
        raise ValueError(f"Both `labels` and `logits` must be provided for {name}"
                         f"Received: labels={labels} and logits={logits}")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x, labels z: never overflows.

    Raises:
        ValueError: labels or logits missing, or their shapes differ.
    """
    from engine.ops.core import convert_to_tensor
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", labels, logits)
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError("`logits` and `labels` must have the same shape, "
                         f"received ({logits.shape} vs {labels.shape}).")
    # where() rather than maximum/abs, so that x = 0 gets TensorFlow's gradient.
    cond = greater_equal(logits, 0)
    relu_logits = where(cond, logits, 0)
    neg_abs_logits = where(cond, negative(logits), logits)
    return add(subtract(relu_logits, multiply(logits, labels)),
               log1p(exp(neg_abs_logits)), name=name)


def _xent_infer(op_name, sparse):
    def infer(inputs, attrs):
        features, labels = inputs
        check_float(op_name, features.dtype)
        shapes = f"{_infer.fmt_shape(features.shape)}, {_infer.fmt_shape(labels.shape)}"
        want = 1 if sparse else 2
        for t, rank in ((features, 2), (labels, want)):
            if t.shape.rank is not None and t.shape.rank != rank:
                raise ValueError(f"Shape must be rank {rank} but is rank {t.shape.rank} "
                                 f"for '{op_name}' with input shapes: {shapes}.")
        f = features.shape.with_rank(2) if features.shape.rank is None else features.shape
        if sparse:
            if labels.dtype not in (dtypes.int32, dtypes.int64):
                raise TypeError(f"Value for attr 'Tlabels' of {labels.dtype.name} is not in "
                                f"the list of allowed values: int32, int64 for '{op_name}'")
            lab = labels.shape if labels.shape.rank is not None else TensorShape([None])
            batch = TensorShape([f[0]])
            if not batch.is_compatible_with(lab):
                raise ValueError(f"Dimensions must be equal, but are {f[0]} and {lab[0]} "
                                 f"for '{op_name}' with input shapes: {shapes}.")
            out = TensorShape([batch.merge_with(lab)[0], f[1]])
        else:
            _infer.check_same_dtype(op_name, inputs, (0, 1))
            lab = labels.shape if labels.shape.rank is not None else TensorShape([None] * 2)
            out = _infer.broadcast_shape(op_name, f, lab)
        return [(features.dtype, TensorShape([out[0]])), (features.dtype, out)]
    return infer


def _xent_kernel(features, labels):
    """(loss, backprop) for rows of logits and label distributions, broadcast together."""
    if features.ndim != 2 or labels.ndim != 2:
        raise InvalidArgumentError(None, None, "logits and labels must be either "
                                   "2-dimensional, or broadcasted to be 2-dimensional")
    try:
        shape = np.broadcast_shapes(features.shape, labels.shape)
    except ValueError:
        raise InvalidArgumentError(
            None, None, "logits and labels must be broadcastable: logits_size="
            f"{_infer.fmt_shape(features.shape)} labels_size="
            f"{_infer.fmt_shape(labels.shape)}") from None
    z = shifted(np.broadcast_to(features, shape))
    e = np.exp(z)
    sum_exp = np.sum(e, axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):  # log(0) only for rows of 0 classes: summed away
        loss = np.sum(labels * (np.log(sum_exp) - z), axis=-1)
    return loss, e / sum_exp - labels


_UNSIGNED = {np.dtype(t): np.dtype(t.replace("int", "uint")) for t in ("int8", "int16", "int32",
                                                                       "int64")}


def _sparse_xent_kernel(features, labels):
    """(loss, backprop) for rows of logits and one class index per row."""
    if labels.dtype.kind not in "iu":
        raise TypeError(f"Value for attr 'Tlabels' of {labels.dtype} is not in the list "
                        "of allowed values: int32, int64")
    if features.ndim != 2 or labels.ndim != 1 or features.shape[0] != labels.shape[0]:
        raise InvalidArgumentError(
            None, None, "logits and labels must have the same first dimension, got logits "
            f"shape {_infer.fmt_shape(features.shape)} and labels shape "
            f"{_infer.fmt_shape(labels.shape)}")
    classes = features.shape[1]
    # one pass: as unsigned, a negative label is huge, so max() finds every bad one
    if labels.size and labels.view(_UNSIGNED.get(labels.dtype, labels.dtype)).max() >= classes:
        bad = (labels < 0) | (labels >= classes)
        value = labels[np.argmax(bad)]
        raise InvalidArgumentError(
            None, None, f"Received a label value of {value} which is outside the valid "
            f"range of [0, {classes}).  Label values: {' '.join(str(v) for v in labels)}")
    z = shifted(features)
    e = np.exp(z)
    sum_exp = np.add.reduce(e, axis=-1, keepdims=True)
    rows = np.arange(labels.shape[0])
    loss = np.log(sum_exp[:, 0]) - z[rows, labels]
    e /= sum_exp  # e is ours: the softmax in place becomes the backprop output
    e[rows, labels] -= 1
    return loss, e


def _xent_grad(op, grad_loss, grad_grad):
    """TF's rule: the kernel's backprop output is the gradient (labels are assumed to
    sum to 1); grad_grad, non-zero only in second derivatives, adds softmax's Jacobian.
    The op is registered with none_grads, so an output no gradient reached gets None:
    a first derivative builds no second-order term and makes no zeros."""
    from engine.ops.nn import log_softmax, softmax
    array = _array()
    logits = op.inputs[0]
    grad = None
    if grad_loss is not None:
        grad = multiply(array.expand_dims(grad_loss, -1), op.outputs[1])
    known = None if grad_grad is None else _infer.static_value(grad_grad)
    if grad_grad is not None and (known is None or np.any(known)):
        probs = softmax(logits)
        centered = subtract(grad_grad, _reduce().reduce_sum(multiply(grad_grad, probs), -1,
                                                            keepdims=True))
        term = multiply(centered, probs)
        grad = term if grad is None else add(grad, term)
    if grad is None:  # grad_grad known to be zero and no loss gradient
        grad = array.zeros_like(logits)
    if op.inputs[1].dtype.is_integer or grad_loss is None:
        return grad, None
    return grad, multiply(array.expand_dims(grad_loss, -1), negative(log_softmax(logits)))


SOFTMAX_XENT = register("SoftmaxCrossEntropyWithLogits", _xent_kernel,
                        _xent_infer("SoftmaxCrossEntropyWithLogits", False), _xent_grad,
                        multi=True, same_dtype=(0, 1), none_grads=True)
SPARSE_SOFTMAX_XENT = register(
    "SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_kernel,
    _xent_infer("SparseSoftmaxCrossEntropyWithLogits", True), _xent_grad, multi=True,
    none_grads=True)


def _to_matrix(t):
    """t reshaped to [-1, last dim] (a no-op for matrices)."""
    if t.shape.rank == 2:
        return t
    array = _array()
    last = t.shape[-1] if t.shape.rank is not None and t.shape.rank > 0 else None
    if last is None:
        last = array.shape(t)[-1:]
        return array.reshape(t, array.concat([[-1], last], 0))
    return array.reshape(t, [-1, last])


def _outer_shape(t):
    """t's shape without its last dimension: a Python list when static, else a tensor."""
    if t.shape.is_fully_defined():
        return t.shape.as_list()[:-1]
    return _array().shape(t)[:-1]


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits), axis); gradients flow to labels too.

    Labels should be probability distributions along `axis` (the logits gradient is
    softmax(logits) - labels, as TensorFlow's kernel gives it).
    """
    from engine.ops.core import convert_to_tensor
    _ensure_xent_args("softmax_cross_entropy_with_logits", labels, logits)
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    precise = cast(logits, dtypes.float32) if logits.dtype == dtypes.float16 else logits
    labels = cast(labels, precise.dtype)
    rank = precise.shape.rank
    if rank == 0:
        raise InvalidArgumentError(None, None, "logits must have at least one dimension "
                                   "(the classes), got a scalar")
    if axis is None:
        axis = -1
    if axis != -1 and rank is None:
        raise ValueError("softmax_cross_entropy_with_logits needs the rank of logits to "
                         "be known statically when axis is not -1")
    if axis != -1 and not -rank <= axis < rank:
        raise InvalidArgumentError(None, None, f"axis {axis} is out of range for logits of "
                                   f"rank {rank}")
    if axis != -1 and axis % rank != rank - 1:
        axis %= rank
        perm = [i for i in range(rank) if i != axis] + [axis]
        array = _array()
        precise = array.transpose(precise, perm)
        labels = array.transpose(labels, perm)
    if rank == 2:
        cost, _ = execute(SOFTMAX_XENT, (precise, labels), None, name)
    else:
        outer = _outer_shape(precise)
        cost, _ = execute(SOFTMAX_XENT, (_to_matrix(precise), _to_matrix(labels)), None,
                          None)
        cost = _array().reshape(cost, outer, name=name)
    return cast(cost, dtypes.float16) if logits.dtype == dtypes.float16 else cost


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """-log_softmax(logits)[..., labels]: cross entropy against integer class labels.

    Raises:
        ValueError: logits is a scalar, or the shape of labels is not that of logits
            without its last dimension.
        InvalidArgumentError: a label is outside [0, number of classes).
    """
    from engine.ops.core import convert_to_tensor
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", labels, logits)
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    precise = cast(logits, dtypes.float32) if logits.dtype == dtypes.float16 else logits
    lshape, fshape = labels.shape, logits.shape
    if fshape.rank == 0:
        raise ValueError(f"`logits` cannot be a scalar. Received logits={logits}`")
    if fshape.rank is not None and lshape.rank is not None and lshape.rank != fshape.rank - 1:
        raise ValueError("`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                         f"labels.shape={lshape} of rank {lshape.rank} and logits.shape="
                         f"{fshape} of rank {fshape.rank}")
    if (lshape.is_fully_defined() and fshape.rank is not None
            and fshape[:-1].is_fully_defined() and lshape != fshape[:-1]):
        raise ValueError("`labels.shape` must equal `logits.shape` except for the last "
                         f"dimension. Received: labels.shape={lshape} and "
                         f"logits.shape={fshape}")
    if fshape.rank == 2:
        cost, _ = execute(SPARSE_SOFTMAX_XENT, (precise, labels), None, name)
    else:
        array = _array()
        outer = lshape.as_list() if lshape.is_fully_defined() else array.shape(labels)
        cost, _ = execute(SPARSE_SOFTMAX_XENT,
                          (_to_matrix(precise), array.reshape(labels, [-1])), None, None)
        cost = array.reshape(cost, outer, name=name)
    return cast(cost, dtypes.float16) if logits.dtype == dtypes.float16 else cost
