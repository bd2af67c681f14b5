"""Optimizer update rules as resource ops (TensorFlow's training_ops), and row scatters.

One kernel per rule, shared by every optimizer front end: the TF1 optimizers (graph mode
or eager) and the Keras optimizers call the same ResourceApply* ops, so they step by the
same numbers. Each rule is written in TensorFlow's order of float operations
(tensorflow/core/kernels/training_ops.cc) and computes in the variable's dtype, so
float32 results match TensorFlow's CPU kernels bit for bit (see the tests for the one
exception, Adagrad's vectorized rsqrt).

The variables' values live in the executor's ResourceStore; an update stores a NEW array
unless nothing but the store holds the old one (engine/ops/state.writable_in_place),
so a value read earlier never changes under its reader.
Hyperparameters (lr, beta1, ...) are tensor inputs, as in TensorFlow, so a decayed
learning rate can be a tensor computed in the graph.
"""

from __future__ import annotations

import numpy as np

from engine import context, dtypes, errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops.core import convert_to_tensor
from engine.ops.state import _check_value, _current, writable_in_place
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["apply_adagrad", "apply_adagrad_v2", "apply_adam", "apply_centered_rms_prop",
           "apply_gradient_descent", "apply_keras_momentum", "apply_momentum", "apply_rms_prop",
           "scatter_add", "scatter_sub", "scatter_update"]

# numpy kinds TensorFlow registers training kernels for: half/float/double, complex
_TRAINABLE_KINDS = "fc"


def _one(var):
    """1 in the variable's dtype: `1 - beta1` must not promote float16/float32."""
    return var.dtype.type(1)


# ---------------------------------------------------------------- the update rules -------
# Each takes the slot values then the tensor inputs in TensorFlow's input order, and
# returns the new values of (var, *slots). `x -= y` in TF's kernels is `x - y` here.

def _gradient_descent(var, alpha, delta):
    return (var - delta * alpha,)


def _momentum(var, accum, lr, grad, momentum, use_nesterov=False):
    accum = accum * momentum + grad
    if use_nesterov:
        return var - (grad * lr + accum * momentum * lr), accum
    return var - accum * lr, accum


def _keras_momentum(var, accum, lr, grad, momentum, use_nesterov=False):
    accum = accum * momentum - grad * lr
    if use_nesterov:
        return var + (accum * momentum - grad * lr), accum
    return var + accum, accum


def _adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
          use_nesterov=False):
    one = _one(var)
    alpha = lr * np.sqrt(one - beta2_power) / (one - beta1_power)  # bias-corrected lr
    m = m + (grad - m) * (one - beta1)
    v = v + (np.square(grad) - v) * (one - beta2)
    if use_nesterov:
        step = (grad * (one - beta1) + beta1 * m) * alpha
    else:
        step = m * alpha
    return var - step / (np.sqrt(v) + epsilon), m, v


def _rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad):
    ms = ms + (np.square(grad) - ms) * (_one(var) - rho)
    mom = mom * momentum + (grad * lr) / np.sqrt(ms + epsilon)
    return var - mom, ms, mom


def _centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    one_minus_rho = _one(var) - rho
    ms = ms + (np.square(grad) - ms) * one_minus_rho
    mg = mg + (grad - mg) * one_minus_rho
    denom = (ms - np.square(mg)) + epsilon
    mom = mom * momentum + (grad * lr) / np.sqrt(denom)
    return var - mom, mg, ms, mom


def _adagrad(var, accum, lr, grad, update_slots=True):
    if update_slots:
        accum = accum + np.square(grad)
    # TF writes accum.rsqrt(); its scalar path is exactly 1/sqrt (the vectorized one is
    # a hardware approximation plus a Newton step, which no portable code reproduces).
    return var - grad * lr * (_one(var) / np.sqrt(accum)), accum


def _adagrad_v2(var, accum, lr, epsilon, grad, update_slots=True):
    if update_slots:
        accum = accum + np.square(grad)
    return var - grad * lr / (np.sqrt(accum) + epsilon), accum


# ---------------------------------------------------------------- checks ----------------

def _dtype_name(array) -> str:
    return dtypes.from_numpy(array.dtype).name


def _no_kernel(op_name, dtype_name):
    return (f"No OpKernel was registered to support Op '{op_name}' with these attrs: "
            f"[T={dtype_name}]; the training ops take float16, float32, float64, complex64 "
            "and complex128 variables.")


def _check_arrays(op_name, slot_names, values, tensor_names, arrays, grad_name):
    """What TF's kernels check before updating: dtypes, scalar hyperparameters, shapes."""
    var = values[0]
    if var.dtype.kind not in _TRAINABLE_KINDS:
        raise errors.NotFoundError(None, None, _no_kernel(op_name, _dtype_name(var)))
    named = list(zip(slot_names, values[1:])) + list(zip(tensor_names, arrays))
    for name, array in named:
        if array.dtype != var.dtype:
            raise errors.InvalidArgumentError(
                None, None, f"var has dtype {_dtype_name(var)} but {name} has dtype "
                f"{_dtype_name(array)}: every input of {op_name} must have the variable's "
                "dtype (tf.cast it).")
    for name, array in zip(tensor_names, arrays):
        if name != grad_name and np.ndim(array) != 0:
            raise errors.InvalidArgumentError(
                None, None, f"{name} is not a scalar: {fmt_shape(np.shape(array))}")
    for name, array in named:
        if (name in slot_names or name == grad_name) and np.shape(array) != np.shape(var):
            raise errors.InvalidArgumentError(
                None, None, f"var and {name} do not have the same shape"
                f"{fmt_shape(np.shape(var))} {fmt_shape(np.shape(array))}")


def _shape_mismatch(op_name, a: TensorShape, b: TensorShape, inputs) -> ValueError:
    """TF's shape-function wording for two shapes that cannot be merged."""
    where = (f"for '{{{{node {op_name}}}}}' with input shapes: "
             + ", ".join(fmt_shape(t.shape) for t in inputs) + ".")
    if a.rank != b.rank:
        return ValueError(f"Shapes must be equal rank, but are {a.rank} and {b.rank} {where}")
    i, x, y = next((i, x, y) for i, (x, y) in enumerate(zip(a, b))
                   if x is not None and y is not None and x != y)
    return ValueError(f"Dimension {i} in both shapes must be equal, but are {x} and {y}. "
                      f"Shapes are {fmt_shape(a)} and {fmt_shape(b)}. {where}")


def _check_resources(op_name, inputs, count):
    """The first `count` inputs must be resource handles; their ResourceHandles or None."""
    for i in range(count):
        if inputs[i].dtype != dtypes.resource:
            raise TypeError(f"Input {i} of '{op_name}' Op has type {inputs[i].dtype.name} "
                            "that does not match expected type of resource (pass the "
                            "variable's .handle).")
    return [static_value(t) for t in inputs[:count]]


def _apply_infer(op_name, slot_names, tensor_names, grad_name):
    """Static checks of an apply op (graph building); it has no outputs."""
    n_handles = 1 + len(slot_names)
    grad_index = n_handles + tensor_names.index(grad_name)

    def infer(inputs, attrs):
        handles = _check_resources(op_name, inputs, n_handles)
        tensor_idx = [grad_index] + [i for i in range(n_handles, len(inputs))
                                     if i != grad_index]
        hints = [getattr(h, "dtype_hint", None) for h in handles]
        dtype = hints[0] if hints[0] is not None else inputs[grad_index].dtype
        if not (dtype.is_floating or dtype.is_complex):
            raise TypeError(_no_kernel(op_name, dtype.name))
        names = ("var",) + slot_names
        named = list(zip(names, hints)) + [(tensor_names[i - n_handles], inputs[i].dtype)
                                           for i in tensor_idx]
        for name, other in named:
            if other is not None and other != dtype:
                raise TypeError(f"{op_name}: var holds {dtype.name} but {name} is "
                                f"{other.name}: every input must have the variable's dtype "
                                "(tf.cast it).")
        for i in tensor_idx[1:]:
            rank = inputs[i].shape.rank
            if rank not in (None, 0):
                raise ValueError(f"Shape must be rank 0 but is rank {rank} for "
                                 f"'{{{{node {op_name}}}}}' with input shapes: "
                                 + ", ".join(fmt_shape(t.shape) for t in inputs) + ".")
        var_shape = getattr(handles[0], "shape_hint", None)
        if var_shape is not None:
            var_shape = TensorShape(var_shape)
            others = [getattr(h, "shape_hint", None) for h in handles[1:]]
            others.append(inputs[grad_index].shape)
            for shape in others:
                if shape is not None and not var_shape.is_compatible_with(shape):
                    raise _shape_mismatch(op_name, var_shape, TensorShape(shape), inputs)
        return []
    return infer


# Rules that may write into the variable's own array when nothing else holds it (the
# same float operations, so the same bits): no new array per training step.
_IN_PLACE = {
    "ResourceApplyGradientDescent":
        lambda var, alpha, delta: np.subtract(var, delta * alpha, out=var),
}


def _register_apply(op_name, slot_names, tensor_names, rule, grad_name="grad"):
    """Registers one ResourceApply* op: inputs (var, *slots, *tensors), no outputs."""
    n_handles = 1 + len(slot_names)

    def kernel(store, *args, **attrs):
        handles = args[:n_handles]
        values = [_current(store, h) for h in handles]
        arrays = args[n_handles:]
        _check_arrays(op_name, slot_names, values, tensor_names, arrays, grad_name)
        if op_name in _IN_PLACE and values[0].dtype == arrays[-1].dtype:
            del values  # the refcount test must see only the store's reference
            if writable_in_place(store, handles[0]):
                _IN_PLACE[op_name](store.values[handles[0].key], *arrays)
                return ()
            values = [_current(store, h) for h in handles]
        new_values = rule(*values, *arrays, **attrs)
        for handle, value in zip(handles, new_values):
            store.values[handle.key] = value  # new arrays: earlier reads keep theirs
        return ()

    # No same_dtype group: the kernel checks every input against the VARIABLE's dtype,
    # which names the input at fault (the wrappers give Python numbers that dtype).
    return register(op_name, kernel, _apply_infer(op_name, slot_names, tensor_names,
                                                  grad_name),
                    NO_GRADIENT, stateful=True, uses_store=True, multi=True)


GRADIENT_DESCENT = _register_apply("ResourceApplyGradientDescent", (), ("alpha", "delta"),
                                   _gradient_descent, grad_name="delta")
MOMENTUM = _register_apply("ResourceApplyMomentum", ("accum",), ("lr", "grad", "momentum"),
                           _momentum)
KERAS_MOMENTUM = _register_apply("ResourceApplyKerasMomentum", ("accum",),
                                 ("lr", "grad", "momentum"), _keras_momentum)
ADAM = _register_apply("ResourceApplyAdam", ("m", "v"),
                       ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon",
                        "grad"), _adam)
RMS_PROP = _register_apply("ResourceApplyRMSProp", ("ms", "mom"),
                           ("lr", "rho", "momentum", "epsilon", "grad"), _rms_prop)
CENTERED_RMS_PROP = _register_apply("ResourceApplyCenteredRMSProp", ("mg", "ms", "mom"),
                                    ("lr", "rho", "momentum", "epsilon", "grad"),
                                    _centered_rms_prop)
ADAGRAD = _register_apply("ResourceApplyAdagrad", ("accum",), ("lr", "grad"), _adagrad)
ADAGRAD_V2 = _register_apply("ResourceApplyAdagradV2", ("accum",), ("lr", "epsilon", "grad"),
                             _adagrad_v2)


# ---------------------------------------------------------------- public wrappers --------

def _handle(variable, arg):
    try:
        return variable.handle
    except AttributeError:
        raise TypeError(f"'{arg}' must be a resource variable (tf.Variable), got "
                        f"{type(variable).__name__}: {variable!r}") from None


def _as_input(value, dtype):
    """A hyperparameter or gradient: tensors pass as they are (the kernel checks their
    dtype); Python and numpy values take the variable's dtype."""
    if isinstance(value, TensorBase):
        return value
    return convert_to_tensor(value, dtype=dtype)


def _apply(opdef, variables, tensors, attrs, name):
    var = variables[0][1]
    inputs = [_handle(v, arg) for arg, v in variables]
    inputs += [_as_input(t, var.dtype) for t in tensors]
    result = execute(opdef, inputs, attrs, name)
    return None if context.executing_eagerly() else result


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    """var -= alpha * delta."""
    return _apply(GRADIENT_DESCENT, [("var", var)], (alpha, delta), None, name)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False,
                   name=None):
    """accum = accum * momentum + grad; var -= lr * accum
    (Nesterov: var -= grad * lr + accum * momentum * lr)."""
    return _apply(MOMENTUM, [("var", var), ("accum", accum)], (lr, grad, momentum),
                  {"use_nesterov": bool(use_nesterov)}, name)


def apply_keras_momentum(var, accum, lr, grad, momentum, use_locking=False,
                         use_nesterov=False, name=None):
    """accum = accum * momentum - lr * grad; var += accum
    (Nesterov: var += accum * momentum - lr * grad)."""
    return _apply(KERAS_MOMENTUM, [("var", var), ("accum", accum)], (lr, grad, momentum),
                  {"use_nesterov": bool(use_nesterov)}, name)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_locking=False, use_nesterov=False, name=None):
    """lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m += (g - m) * (1 - beta1);
    v += (g^2 - v) * (1 - beta2); var -= lr_t * m / (sqrt(v) + epsilon)."""
    return _apply(ADAM, [("var", var), ("m", m), ("v", v)],
                  (beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad),
                  {"use_nesterov": bool(use_nesterov)}, name)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False,
                   name=None):
    """ms += (g^2 - ms) * (1 - rho); mom = momentum * mom + lr * g / sqrt(ms + epsilon);
    var -= mom."""
    return _apply(RMS_PROP, [("var", var), ("ms", ms), ("mom", mom)],
                  (lr, rho, momentum, epsilon, grad), None, name)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                            use_locking=False, name=None):
    """RMSProp over the variance: mg += (g - mg) * (1 - rho), and the denominator is
    sqrt(ms - mg^2 + epsilon)."""
    return _apply(CENTERED_RMS_PROP, [("var", var), ("mg", mg), ("ms", ms), ("mom", mom)],
                  (lr, rho, momentum, epsilon, grad), None, name)


def apply_adagrad(var, accum, lr, grad, use_locking=False, update_slots=True, name=None):
    """accum += g^2 (if update_slots); var -= lr * g / sqrt(accum)."""
    return _apply(ADAGRAD, [("var", var), ("accum", accum)], (lr, grad),
                  {"update_slots": bool(update_slots)}, name)


def apply_adagrad_v2(var, accum, lr, epsilon, grad, use_locking=False, update_slots=True,
                     name=None):
    """accum += g^2 (if update_slots); var -= lr * g / (sqrt(accum) + epsilon)."""
    return _apply(ADAGRAD_V2, [("var", var), ("accum", accum)], (lr, epsilon, grad),
                  {"update_slots": bool(update_slots)}, name)


# ---------------------------------------------------------------- row scatters ----------

_INDEX_DTYPES = ("int32", "int64")


def _scatter_rows(op_name, handle, old, indices, updates):
    """The checked (rows, per-row updates) of a first-axis scatter, TF's messages."""
    _check_value(handle, updates, "update", False)
    if dtypes.from_numpy(indices.dtype).name not in _INDEX_DTYPES:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'Tindices' of {_dtype_name(indices)} is not in the "
            "list of allowed values: int32, int64")
    if old.ndim == 0:
        raise errors.InvalidArgumentError(
            None, None, f"{op_name} scatters rows: variable {handle.name!r} must have rank "
            ">= 1, but has shape []")
    row_shape = old.shape[1:]
    if np.ndim(updates) != 0 and np.shape(updates) != indices.shape + row_shape:
        raise errors.InvalidArgumentError(
            None, None, "Must have updates.shape = indices.shape + params.shape[1:] or "
            f"updates.shape = [], got updates.shape {fmt_shape(np.shape(updates))}, "
            f"indices.shape {fmt_shape(indices.shape)}, params.shape {fmt_shape(old.shape)}")
    rows = indices.reshape(-1)
    bad = (rows < 0) | (rows >= old.shape[0])
    if bad.any():
        i = int(np.argmax(bad))
        where = ",".join(str(int(p)) for p in np.unravel_index(i, indices.shape))
        label = f"indices[{where}]" if indices.ndim else "indices"
        raise errors.InvalidArgumentError(
            None, None, f"{label} = {rows[i]} is not in [0, {old.shape[0]})")
    values = np.broadcast_to(updates, (rows.size,) + row_shape) if np.ndim(updates) == 0 \
        else np.reshape(updates, (rows.size,) + row_shape)
    return rows, values


def _set_rows(new, rows, values):
    # TF's CPU kernel writes rows in order, so a repeated index keeps its LAST update;
    # numpy leaves repeated fancy assignment unordered, so keep only the last ones.
    last = rows.size - 1 - np.unique(rows[::-1], return_index=True)[1]
    new[rows[last]] = values[last]


def _scatter_kernel(op_name, combine, numeric):
    def kernel(store, handle, indices, updates):
        old = _current(store, handle)
        if numeric and old.dtype.kind not in "iufc":
            raise errors.NotFoundError(
                None, None, f"No OpKernel was registered to support Op '{op_name}' with "
                f"these attrs: [dtype={_dtype_name(old)}]")
        rows, values = _scatter_rows(op_name, handle, old, np.asarray(indices), updates)
        new = np.array(old, copy=True)
        combine(new, rows, values)  # repeated rows accumulate (np.ufunc.at is unbuffered)
        store.values[handle.key] = new
        return ()
    return kernel


def _scatter_infer(op_name):
    def infer(inputs, attrs):
        (handle,) = _check_resources(op_name, inputs, 1)
        indices, updates = inputs[1], inputs[2]
        if indices.dtype.name not in _INDEX_DTYPES:
            raise TypeError(f"Value for attr 'Tindices' of {indices.dtype.name} is not in "
                            "the list of allowed values: int32, int64")
        hint = getattr(handle, "dtype_hint", None)
        if hint is not None and updates.dtype != hint:
            raise TypeError(f"{op_name}: the variable holds {hint.name} but updates are "
                            f"{updates.dtype.name} (tf.cast them).")
        var_shape = getattr(handle, "shape_hint", None)
        if var_shape is not None and TensorShape(var_shape).rank and \
                indices.shape.rank is not None and updates.shape.rank not in (None, 0):
            want = TensorShape(list(indices.shape) + list(TensorShape(var_shape))[1:])
            if not want.is_compatible_with(updates.shape):
                raise _shape_mismatch(op_name, want, updates.shape, inputs)
        return []
    return infer


def _register_scatter(op_name, combine, numeric=True):
    return register(op_name, _scatter_kernel(op_name, combine, numeric),
                    _scatter_infer(op_name), NO_GRADIENT, stateful=True, uses_store=True,
                    multi=True)


SCATTER_UPDATE = _register_scatter("ResourceScatterUpdate", _set_rows, numeric=False)
SCATTER_ADD = _register_scatter("ResourceScatterAdd", np.add.at)
SCATTER_SUB = _register_scatter("ResourceScatterSub", np.subtract.at)


def _scatter(opdef, ref, indices, updates, name):
    inputs = (_handle(ref, "ref"), convert_to_tensor(indices), _as_input(updates, ref.dtype))
    result = execute(opdef, inputs, None, name)
    return ref if context.executing_eagerly() else result


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """ref[indices[i], ...] = updates[i, ...] (first-axis rows; a repeated index keeps
    its last update); eagerly returns `ref`."""
    return _scatter(SCATTER_UPDATE, ref, indices, updates, name)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """ref[indices[i], ...] += updates[i, ...] (repeated indices all add)."""
    return _scatter(SCATTER_ADD, ref, indices, updates, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """ref[indices[i], ...] -= updates[i, ...] (repeated indices all subtract)."""
    return _scatter(SCATTER_SUB, ref, indices, updates, name)
