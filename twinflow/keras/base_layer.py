"""tf.keras.layers.Layer: weights made on first call, a `call`, and a config.

A layer is a tf.Module whose weights are tf.Variables of the current mode: eager
variables eagerly, graph variables in a TF1 graph (initialized by the Session), and —
when first called inside a tf.function — variables made outside the traced graph. Its
first call builds it from the input's shape; calling it on symbolic Keras inputs
(`tf.keras.Input`) records a node of a functional model instead of computing.
"""

from __future__ import annotations

import inspect
import threading

from engine import context, dtypes, nest
from engine.module import Module
from engine.ops.core import convert_to_tensor
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase
from engine.variables import Variable
from twinflow.keras import backend, initializers, regularizers

__all__ = ["Layer", "InputSpec"]


class InputSpec:
    """What inputs a layer accepts (ndim, min_ndim, axes): checked before `call`."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype, self.shape, self.name = dtype, shape, name
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim, self.axes = max_ndim, min_ndim, axes or {}


def _to_snake(name):
    """Keras 2's rule: Conv2D -> conv2d, UpSampling1D -> up_sampling1d."""
    import re
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


class Layer(Module):
    """Base class of every Keras layer.

    Args:
        trainable: whether its weights are trained.
        name: the layer's name (default: the class name in snake_case, made unique).
        dtype: the weights' dtype (default float32).
        input_shape / batch_input_shape: for the first layer of a Sequential model.
    """

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        allowed = {"input_shape", "batch_input_shape", "batch_size", "input_dim",
                   "activity_regularizer", "autocast", "input_dtype"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r}")
        if name is None:
            base = _to_snake(type(self).__name__)
            uid = backend.get_uid(base)
            name = base if uid == 1 else f"{base}_{uid - 1}"
        self._name = self._scope_name = name  # Keras allows names tf.Module would refuse
        self._trainable = trainable
        self._dtype = dtypes.as_dtype(dtype or backend.floatx())
        self.built = False
        self._trainable_weights, self._non_trainable_weights = [], []
        self._regularized = []      # (variable, regularizer)
        self._added_losses = []     # losses from add_loss (tensors or callables)
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self.input_spec = None
        self.supports_masking = False
        self._batch_input_shape = _batch_shape(kwargs)
        self._inbound_nodes = []

    # -- properties --------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def trainable_weights(self):
        """A layer's own weights first, then its sublayers'; a model's the other way round
        (Keras 2's Layer and Model)."""
        if not self._trainable:
            return []
        nested = [w for layer in self._sublayers() for w in layer.trainable_weights]
        if _is_model(self):
            return _unique(nested + self._trainable_weights)
        return _unique(self._trainable_weights + nested)

    @property
    def non_trainable_weights(self):
        if _is_model(self):
            if not self._trainable:
                return self.weights
            return _unique([w for layer in self._sublayers()
                            for w in layer.non_trainable_weights] +
                           self._non_trainable_weights)
        if not self._trainable:  # frozen: every weight, own trainable ones first
            return _unique(self._trainable_weights + self._non_trainable_weights +
                           [w for layer in self._sublayers() for w in layer.weights])
        return _unique(self._non_trainable_weights + [
            w for layer in self._sublayers() for w in layer.non_trainable_weights])

    @property
    def weights(self):
        """A layer: trainable weights first, then the rest. A model: layer by layer in
        tracking order, whatever is frozen (Keras 2's `Model.weights`), so get_weights
        lists Dense kernel, bias, BatchNormalization gamma ... moving_variance, ..."""
        if not _is_model(self):
            return self.trainable_weights + self.non_trainable_weights
        nested = [w for layer in self._sublayers() for w in layer.weights]
        return _unique(nested + self._trainable_weights + self._non_trainable_weights)

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _sublayers(self):
        """Layers held in attributes, in the order they were set (not sorted)."""
        return [layer for _, layer in self._tracked_children()]

    def _tracked_children(self):
        """(attribute path, layer) of each layer held in an attribute, first path wins.
        Metrics are not layers of their owner (a compiled model's loss tracker would
        otherwise show in `layers`, `summary` and `count_params`)."""
        found = []
        for attr, value in vars(self).items():
            if isinstance(value, (list, tuple, dict)):
                leaves = _paths(value, attr)
            else:
                leaves = [(attr, value)]
            for path, leaf in leaves:
                if isinstance(leaf, Layer) and leaf is not self and not _is_metric(leaf) \
                        and all(leaf is not f for _, f in found):
                    found.append((path, leaf))
        return found

    def _attribute_metrics(self):
        """Metrics held in attributes of this layer and its sublayers (Keras 2 lists them
        in `Model.metrics` after the compiled ones)."""
        found = []
        for layer in [self] + [child for _, child in self._tracked_children()]:
            for attr, value in vars(layer).items():
                for _, leaf in _paths(value, attr):
                    if _is_metric(leaf) and all(leaf is not f for f in found):
                        found.append(leaf)
            if layer is not self:
                found += [m for m in layer._attribute_metrics()
                          if all(m is not f for f in found)]
        return found

    @property
    def losses(self):
        """Regularization and added losses, computed now (a fresh tensor per access)."""
        out = [reg(v) for v, reg in self._regularized]
        out += [loss() if callable(loss) else loss for loss in self._added_losses]
        if self.__dict__.get("_call_id") == _CALLS.__dict__.get("id"):
            out += self.__dict__.get("_call_losses", [])
        for layer in self._sublayers():
            out += layer.losses
        return out

    def add_loss(self, loss):
        """Adds a loss. One added inside `call` lasts until the next outermost call (as in
        Keras 2), so repeated calls in a training loop do not pile losses up."""
        if getattr(_CALLS, "depth", 0) > 0 and not callable(loss):
            self._call_losses_now().append(loss)
        else:
            self._added_losses.append(loss)

    def _call_losses_now(self):
        if self.__dict__.get("_call_id") != _CALLS.id:
            self._call_id, self._call_losses = _CALLS.id, []
        return self._call_losses

    # -- weights -------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None,
                   regularizer=None, trainable=None, constraint=None, **kwargs):
        """A new tf.Variable of this layer (`layer_name/name`), initialized by
        `initializer` (a name or an Initializer; default glorot_uniform for floats)."""
        dtype = dtypes.as_dtype(dtype or self._dtype)
        shape = TensorShape(shape or ()).as_list()
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers.get(initializer)
        trainable = True if trainable is None else trainable
        # `<the layer's scope>/name`, whatever other scope is open: `dense/kernel`, or in a
        # graph where that scope was taken, `dense_1/kernel` (Keras 2's names)
        prefix = self.__dict__.get("_build_scope") or f"{self.name}/"
        with context.name_scope(""):
            variable = Variable(lambda: init(shape, dtype=dtype), name=prefix + name,
                                trainable=trainable, dtype=dtype, constraint=constraint)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(
            variable)
        if regularizer is not None:
            self._regularized.append((variable, regularizers.get(regularizer)))
        return variable

    def get_weights(self):
        """The weights' values as numpy arrays (through the Keras Session in graph mode)."""
        from twinflow.keras.weights_io import read_values
        return read_values(self.weights)

    def set_weights(self, weights):
        """Assigns numpy values to the weights, in `weights` order.

        Raises:
            ValueError: a different number of arrays or a shape mismatch.
        """
        from twinflow.keras.weights_io import assign_values
        assign_values(self.name, self.weights, weights)

    def count_params(self):
        import numpy as np
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # -- calling -------------------------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights, knowing the input's shape (subclasses override)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, *args, **kwargs):
        from twinflow.keras import functional
        inputs = args[0] if args else kwargs.pop("inputs")
        rest = args[1:]
        if functional.has_keras_tensors(inputs):
            return functional.symbolic_call(self, inputs, rest, kwargs)
        inputs = nest.map_structure(lambda x: _as_tensor(x, self._dtype), inputs)
        if "training" in kwargs and not self._accepts("training"):
            kwargs.pop("training")
        if "mask" in kwargs and not self._accepts("mask"):
            kwargs.pop("mask")
        _enter_call()
        try:
            with context.name_scope(self.name) as scope:  # one scope for build and call ops
                if not self.built:
                    self._build_scope = scope
                    try:
                        self._maybe_build(inputs)
                    finally:
                        self._build_scope = None
                outputs = self.call(inputs, *rest, **kwargs)
                if self.activity_regularizer is not None:
                    self._add_activity_loss(outputs)
        finally:
            _CALLS.depth -= 1
        return outputs

    def _add_activity_loss(self, outputs):
        """Keras 2: the regularizer of each output divided by its batch size."""
        from engine.ops.array import shape
        from engine.ops.math import cast, truediv
        for out in nest.flatten(outputs):
            loss = self.activity_regularizer(out)
            self._call_losses_now().append(
                truediv(loss, cast(shape(out)[0], loss.dtype)))

    def _maybe_build(self, inputs):
        shapes = nest.map_structure(lambda t: t.shape, inputs)
        self.build(shapes if nest.is_nested(shapes) else TensorShape(shapes))
        self.built = True

    def _accepts(self, argument):
        cache = type(self).__dict__.get("_call_arguments")
        if cache is None:
            cache = set(inspect.signature(self.call).parameters)
            type(self)._call_arguments = cache
        return argument in cache or "kwargs" in cache

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape`, found by tracing `call` symbolically."""
        from twinflow.keras import functional
        return functional.output_shape(self, input_shape)

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments, JSON-serializable."""
        config = {"name": self.name, "trainable": self._trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _batch_shape(kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _as_tensor(x, dtype=None):
    """An input as a tensor; floating inputs are cast to the layer's dtype, as Keras 2's
    autocasting does (float64 numpy data feeds a float32 model)."""
    if x is None:
        return x
    if isinstance(x, Variable):
        x = x._as_tensor()
    if not isinstance(x, TensorBase):
        x = convert_to_tensor(x, dtype_hint=dtype or dtypes.float32)
    if dtype is not None and x.dtype.is_floating and x.dtype != dtype:
        from engine.ops.math import cast
        x = cast(x, dtype)
    return x


_CALLS = threading.local()  # depth of nested layer calls; a new id per outermost call


def _enter_call():
    depth = getattr(_CALLS, "depth", 0)
    if depth == 0:
        _CALLS.id = getattr(_CALLS, "id", 0) + 1
    _CALLS.depth = depth + 1


def _paths(value, prefix):
    """(path, leaf) pairs of a list/tuple/dict attribute: `blocks/0`, `heads/name`."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return [(prefix, value)]
    return [pair for key, item in items for pair in _paths(item, f"{prefix}/{key}")]


_CLASSES = {}


def _is_model(layer):
    if "model" not in _CLASSES:
        from twinflow.keras.training import Model
        _CLASSES["model"] = Model
    return isinstance(layer, _CLASSES["model"])


def _is_metric(layer):
    if "metric" not in _CLASSES:
        from twinflow.keras.metrics_base import Metric
        _CLASSES["metric"] = Metric
    return isinstance(layer, _CLASSES["metric"])


def _unique(items):
    out = []
    for item in items:
        if all(item is not o for o in out):
            out.append(item)
    return out
