"""GradientTape: records eager ops that touch watched tensors, then runs them backward.

Recording keeps a TapeOp per op — the tiny adapter (like TensorFlow's _MockOp) that
makes a record look like a graph Operation, so the ONE gradient function of each op
serves both the tape and tf.gradients. The backward pass is engine.backprop.backward;
because gradient functions call public ops, an outer tape records them: nested tapes
give higher derivatives.
"""

from __future__ import annotations

import contextlib

import numpy as np

from engine import context
from engine.backprop import backward
from engine.registry import NO_GRADIENT
from engine.tensor_base import TensorBase
from engine import nest
from eager.tensor import EagerTensor

__all__ = ["GradientTape", "UnconnectedGradients", "TapeOp"]


class UnconnectedGradients:
    """What gradient() returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class TapeOp:
    """A recorded op, shaped like an Operation: type, inputs, outputs, get_attr."""

    __slots__ = ("_opdef", "inputs", "outputs", "_attrs", "skip_input_indices")

    def __init__(self, opdef, inputs, outputs, attrs):
        self._opdef = opdef
        self.inputs = inputs
        self.outputs = outputs
        self._attrs = attrs

    @property
    def type(self) -> str:
        return self._opdef.name

    name = type

    def get_attr(self, name):
        try:
            return self._attrs[name]
        except (KeyError, TypeError):
            raise ValueError(f"Operation {self.type!r} has no attr named {name!r}.") from None


def _executor():
    return context.current_executor()


class GradientTape:
    """Records operations for automatic differentiation.

    Args:
        persistent: allow more than one gradient()/jacobian() call.
        watch_accessed_variables: watch every trainable variable read inside the tape.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._ops = []
        self._watched = set()       # ids of watched tensors and handles
        self._keep_alive = []       # watched objects, so their ids stay unique
        self._variables = {}        # id(handle) -> variable, in watch order
        self._recording = False
        self._used = False
        self._ex = None

    # -- recording -----------------------------------------------------------------
    def __enter__(self):
        self._push()
        return self

    def __exit__(self, *exc_info):
        if self._recording:
            self._pop()

    def _push(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to "
                             "re-enter an already-active tape.")
        self._ex = _executor()
        if not self._ex.is_eager:  # building a graph (tf.function): record a window of ops
            self._graph_window = [len(self._ex._ops), None]
        else:
            self._ex.tapes.append(self)
        self._recording = True

    def _pop(self):
        if self._ex.is_eager:
            self._ex.tapes.remove(self)
        else:
            self._graph_window[1] = len(self._ex._ops)
        self._recording = False

    def _record(self, opdef, inputs, attrs, outputs):
        watched = self._watched
        for t in inputs:
            if id(t) in watched:
                break
        else:
            return
        if opdef.grad is NO_GRADIENT:
            return
        self._ops.append(TapeOp(opdef, inputs, outputs, attrs))
        for o in outputs:
            watched.add(id(o))

    def watch(self, tensor):
        """Starts tracing `tensor` (or a variable, or a nested structure of them)."""
        for t in (tensor,) if isinstance(tensor, TensorBase) else nest.flatten(tensor):
            key_obj = _key_object(t)
            if key_obj is None and isinstance(t, TensorBase) and self._ex is not None \
                    and not self._ex.is_eager:  # inside tf.function: the graph tape
                key_obj = t                     # differentiates its window of ops anyway
            if key_obj is None:
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, "
                                 "not tf.Tensor or tf.Variable.")
            if hasattr(t, "handle"):
                self._variables.setdefault(id(key_obj), t)
            if id(key_obj) not in self._watched:
                self._watched.add(id(key_obj))
                self._keep_alive.append(key_obj)

    def _variable_accessed(self, variable):
        """Called when a variable is read while this tape records (auto-watch)."""
        if self._watch_accessed_variables and variable.trainable and \
                id(variable.handle) not in self._watched:  # a second read: nothing to do
            self.watch(variable)

    def watched_variables(self):
        """The variables this tape watches, in the order it started watching them."""
        return tuple(self._variables.values())

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside this block are not recorded by this tape."""
        if not self._recording:
            raise ValueError("Tape must be recording when entering stop_recording.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Forgets everything recorded and watched so far."""
        self._ops = []
        self._watched = set()
        self._keep_alive = []
        self._variables = {}

    # -- differentiation -------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(target)/d(sources): the structure of `sources`, None for unconnected ones.

        Several targets are summed; `output_gradients` weighs each target.

        Raises:
            RuntimeError: a non-persistent tape was already used once.
            ValueError: a bad `unconnected_gradients` value.
        """
        if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
            raise ValueError(f"Unknown value for unconnected_gradients: "
                             f"{unconnected_gradients!r}")
        self._check_usable()
        if self._ex is not None and not self._ex.is_eager:
            return self._graph_gradient(target, sources, output_gradients,
                                        unconnected_gradients)
        targets = [_as_eager(t) for t in nest.flatten(target)]
        flat_sources = nest.flatten(sources)
        keys = [_key_object(s) for s in flat_sources]
        for s, k in zip(flat_sources, keys):
            if k is None:
                raise ValueError(f"Argument `sources` contains {s!r} of type "
                                 f"{type(s).__name__}: expected tf.Tensor or tf.Variable.")
        if output_gradients is None:
            from engine.ops.array import ones_like
            seeds = [ones_like(t) for t in targets]
        else:
            seeds = [_as_eager(g) for g in nest.flatten(output_gradients)]
            if len(seeds) != len(targets):
                raise ValueError(f"{len(targets)} targets but {len(seeds)} output_gradients")
        grads = self._backward(targets, seeds, keys)
        if unconnected_gradients == UnconnectedGradients.ZERO:
            grads = [_zeros_for(s) if g is None else g for s, g in zip(flat_sources, grads)]
        self._finish_use()
        return nest.pack_sequence_as(sources, grads)

    def _graph_gradient(self, target, sources, output_gradients, unconnected_gradients):
        """In a graph (inside tf.function): the backward driver over the ops built while
        this tape recorded, adding gradient ops to the same graph (TF2's graph tapes)."""
        from engine.ops.array import ones_like, zeros_like
        graph = self._ex
        start, end = self._graph_window
        ops = graph._ops[start:len(graph._ops) if end is None else end]
        targets = [t._as_tensor() if isinstance(t, TensorBase) else t
                   for t in nest.flatten(target)]
        flat_sources = nest.flatten(sources)
        keys = [_graph_key(graph, s) for s in flat_sources]
        with graph.as_default():
            seeds = [ones_like(t) for t in targets] if output_gradients is None else \
                list(nest.flatten(output_gradients))
            grads = backward(ops, targets, seeds, keys)
            if unconnected_gradients == UnconnectedGradients.ZERO:
                grads = [zeros_like(s) if g is None else g for s, g in zip(flat_sources, grads)]
        self._finish_use()
        return nest.pack_sequence_as(sources, grads)

    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute "
                               "one set of gradients (or jacobians)")

    def _backward(self, targets, seeds, keys):
        was_recording = self._recording
        if was_recording:  # our own backward ops are not ours to record
            self._pop()
        try:
            return backward(self._ops, targets, seeds, keys)
        finally:
            if was_recording:
                self._push()

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d(each element of target)/d(sources): shape target.shape + source.shape.

        One backward pass per target element (TensorFlow vectorizes with pfor; the
        numbers are the same).
        """
        from engine.ops import array
        self._check_usable()
        target = _as_eager(target)
        tshape = target.shape.as_list()
        flat_sources = nest.flatten(sources)
        keys = [_key_object(s) for s in flat_sources]
        n = int(np.prod(tshape))
        rows = [[] for _ in flat_sources]
        for i in range(n):
            seed = np.zeros(n, target.dtype._np)
            seed[i] = 1
            grads = self._backward([target], [EagerTensor(seed.reshape(tshape))], keys)
            for row, g in zip(rows, grads):
                row.append(g)
        out = []
        for row, s in zip(rows, flat_sources):
            shape = tshape + _source_shape(s)
            if all(g is None for g in row):
                unconnected = unconnected_gradients == UnconnectedGradients.NONE and n > 0
                out.append(None if unconnected else array.zeros(shape, s.dtype))
                continue
            filled = [_zeros_for(s) if g is None else g for g in row]
            out.append(array.reshape(array.stack(filled), shape))
        self._finish_use()
        return nest.pack_sequence_as(sources, out)

    def _finish_use(self):
        if not self._persistent:
            self._used = True
            self._ops = None

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example jacobian: [batch] + target.shape[1:] + source.shape[1:].

        Assumes example i of target depends only on example i of source, as TensorFlow.
        """
        from engine.ops import array
        self._check_usable()
        target = _as_eager(target)
        tshape = target.shape.as_list()
        if not tshape:
            raise ValueError("batch_jacobian needs a target of rank >= 1")
        batch, inner = tshape[0], int(np.prod(tshape[1:]))
        key = _key_object(source)
        cols = []
        for j in range(inner):
            seed = np.zeros((batch, inner), target.dtype._np)
            seed[:, j] = 1
            (g,) = self._backward([target], [EagerTensor(seed.reshape(tshape))], [key])
            if g is None:
                if unconnected_gradients == UnconnectedGradients.NONE:
                    cols = None
                    break
                g = _zeros_for(source)
            cols.append(g)
        self._finish_use()
        sshape = _source_shape(source)
        if cols is None:
            return None
        if not cols:
            return array.zeros([batch] + tshape[1:] + sshape[1:], source.dtype)
        stacked = array.stack(cols, axis=1)  # [batch, inner, source_rest...]
        return array.reshape(stacked, [batch] + tshape[1:] + sshape[1:])


def _key_object(obj):
    """The object whose id the tape tracks: the tensor itself, or a variable's handle."""
    if type(obj) is EagerTensor:
        return obj
    handle = getattr(obj, "handle", None)
    if isinstance(handle, EagerTensor):
        return handle
    return None


def _graph_key(graph, source):
    """A source as the graph sees it: a tensor, or the variable handle its reads use."""
    handle = getattr(source, "handle", None)
    if handle is not None:
        return graph._own(handle, None)  # the captured handle (or the handle itself)
    return source


def _as_eager(value):
    if isinstance(value, TensorBase):
        value = value._as_tensor()
    if type(value) is EagerTensor:
        return value
    from engine.ops.core import convert_to_tensor
    return convert_to_tensor(value)


def _source_shape(source):
    return list(source.shape.as_list())


def _zeros_for(source):
    from engine.ops import array
    return array.zeros(_source_shape(source), source.dtype)
