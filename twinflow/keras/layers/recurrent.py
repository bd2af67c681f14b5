"""Recurrent layers: SimpleRNN, LSTM and GRU (and their cells, and RNN over any cell),
plus the wrappers Bidirectional and TimeDistributed.

A cell computes one time step, `cell(x_t, states) -> (output_t, new_states)`, with
Keras 2's equations, weights and gate orders (LSTM i, f, c, o; GRU z, r, h with
reset_after=True and a [2, 3 * units] bias). `RNN` runs the time loop:

- a static time length (always eagerly): a Python loop over the steps, one copy of the
  step per time step in a graph (what Keras's unroll=True builds) — the simplest code
  that is the same ops in every mode, so eager, tf.function and TF1 agree bit for bit;
- an unknown time length (a [None, None, features] placeholder or Input): tf.while_loop
  over TensorArrays of the inputs and outputs, the same step ops once in its body.
`unroll=True` with an unknown length raises, as in Keras. Only stateful=False.
"""

from __future__ import annotations

import inspect

from engine import nest
from engine.ops import array, linalg, math, nn
from engine.shapes import TensorShape
from engine.tensor_array import TensorArray
from graph.control_flow import while_loop
from twinflow.keras import initializers, regularizers
from twinflow.keras.base_layer import Layer
from twinflow.keras.layers.normalization import (
    activation_name, deserialize_layer, get_activation, get_constraint, serialize_constraint,
    serialize_layer)
from twinflow.keras.layers.reshaping import dynamic_dims, reshape_dims

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "RNN", "SimpleRNN", "LSTM", "GRU",
           "Bidirectional", "TimeDistributed"]

_INITS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
_REGS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer")
_CONSTRAINTS = ("kernel_constraint", "recurrent_constraint", "bias_constraint")


# -- cells ----------------------------------------------------------------------------------

class _Cell(Layer):
    """What the three cells share: arguments, weights, dropout masks and config."""

    _gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        if units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        super().__init__(**kwargs)
        self.units, self.use_bias = int(units), bool(use_bias)
        self.activation = get_activation(activation)
        getters = [initializers.get] * 3 + [regularizers.get] * 3 + [get_constraint] * 3
        for name, get, value in zip(_INITS + _REGS + _CONSTRAINTS, getters, (
                kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                recurrent_regularizer, bias_regularizer, kernel_constraint,
                recurrent_constraint, bias_constraint)):
            setattr(self, name, get(value))
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.state_size = self.output_size = self.units
        self._masks = None  # (inputs mask, state mask): set by RNN for one whole sequence

    def build(self, input_shape):
        n = self._gates * self.units
        self.kernel = self._weight("kernel", [TensorShape(input_shape)[-1], n])
        self.recurrent_kernel = self._weight("recurrent_kernel", [self.units, n])
        self.bias = self._weight("bias", self._bias_shape(), self._bias_initializer()) \
            if self.use_bias else None
        self.built = True

    def _weight(self, name, shape, initializer=None):
        kind = name.split("_")[0] if name != "recurrent_kernel" else "recurrent"
        return self.add_weight(name, shape,
                               initializer=initializer or getattr(self, f"{kind}_initializer"),
                               regularizer=getattr(self, f"{kind}_regularizer"),
                               constraint=getattr(self, f"{kind}_constraint"))

    def _bias_shape(self):
        return [self._gates * self.units]

    def _bias_initializer(self):
        return self.bias_initializer

    def _dropped(self, inputs, h, training):
        """inputs and h times their dropout masks: one mask per sequence (the same at
        every step, as Keras's DropoutRNNCellMixin), made here if RNN did not set them."""
        masks = self.new_masks(inputs, h) if self._masks is None and training else self._masks
        if masks is not None:
            inputs = inputs if masks[0] is None else inputs * masks[0]
            h = h if masks[1] is None else h * masks[1]
        return inputs, h

    def new_masks(self, inputs, h):
        """Dropout masks for a sequence: dropout of ones shaped like a step's inputs and
        state (None where the rate is 0)."""
        return tuple(nn.dropout(array.ones_like(like), rate=rate) if 0 < rate < 1 else None
                     for like, rate in ((inputs, self.dropout), (h, self.recurrent_dropout)))

    def get_config(self):
        config = {"units": self.units, "activation": activation_name(self.activation),
                  "use_bias": self.use_bias}
        for names, serialize in ((_INITS, initializers.serialize),
                                 (_REGS, regularizers.serialize),
                                 (_CONSTRAINTS, serialize_constraint)):
            config.update({n: serialize(getattr(self, n)) for n in names})
        config.update(dropout=self.dropout, recurrent_dropout=self.recurrent_dropout)
        return {**super().get_config(), **config}


class SimpleRNNCell(_Cell):
    """h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)."""

    def call(self, inputs, states, training=None):
        prev = nest.flatten(states)[0]
        inputs, prev_dropped = self._dropped(inputs, prev, training)
        h = linalg.matmul(inputs, self.kernel)
        if self.use_bias:
            h = nn.bias_add(h, self.bias)
        output = self.activation(h + linalg.matmul(prev_dropped, self.recurrent_kernel))
        return output, [output]


class _GatedCell(_Cell):
    """LSTMCell and GRUCell: gates through `recurrent_activation`. `implementation` is
    stored only: Keras's two implementations compute the same equations."""

    def __init__(self, units, activation, recurrent_activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, implementation, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, **kwargs)
        self.recurrent_activation = get_activation(recurrent_activation)
        self.implementation = implementation

    def get_config(self):
        return {**super().get_config(), "implementation": self.implementation,
                "recurrent_activation": activation_name(self.recurrent_activation)}


class LSTMCell(_GatedCell):
    """z = x_t @ kernel + h @ recurrent_kernel + bias, split into gates i, f, c, o:
    c_t = sig(f) * c + sig(i) * tanh(c~), h_t = sig(o) * tanh(c_t). `unit_forget_bias`
    initializes the forget gate's bias to ones."""

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, implementation=2, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, implementation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units = self.bias_initializer, self.units

        def init(shape, dtype=None):  # [init(u), ones(u), init(2u)], as Keras
            return array.concat([base([units], dtype=dtype), array.ones([units], dtype),
                                 base([2 * units], dtype=dtype)], 0)
        return init

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        inputs, h_dropped = self._dropped(inputs, h_tm1, training)
        z = linalg.matmul(inputs, self.kernel)
        z = z + linalg.matmul(h_dropped, self.recurrent_kernel)
        if self.use_bias:
            z = nn.bias_add(z, self.bias)
        z0, z1, z2, z3 = array.split(z, 4, axis=1)
        i, f = self.recurrent_activation(z0), self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_GatedCell):
    """Gates z, r = sig(x @ W + h @ U + b) and candidate hh = tanh(x @ W_h + r * (h @ U_h
    + b_rh)) (reset_after, the default) or tanh(x @ W_h + (r * h) @ U_h);
    h_t = z * h + (1 - z) * hh."""

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after=True, implementation=2, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, implementation, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):  # reset_after: input bias row and recurrent bias row
        return [2, 3 * self.units] if self.reset_after else [3 * self.units]

    def call(self, inputs, states, training=None):
        h_tm1 = nest.flatten(states)[0]
        inputs, h_dropped = self._dropped(inputs, h_tm1, training)
        u = self.units
        if self.use_bias and self.reset_after:
            input_bias, recurrent_bias = array.unstack(self.bias)
        else:
            input_bias, recurrent_bias = self.bias, None
        matrix_x = linalg.matmul(inputs, self.kernel)
        if self.use_bias:
            matrix_x = nn.bias_add(matrix_x, input_bias)
        x_z, x_r, x_h = array.split(matrix_x, 3, axis=-1)
        if self.reset_after:
            inner = linalg.matmul(h_dropped, self.recurrent_kernel)
            if self.use_bias:
                inner = nn.bias_add(inner, recurrent_bias)
        else:
            inner = linalg.matmul(h_dropped, self.recurrent_kernel[:, :2 * u])
        rec_z, rec_r, rec_h = array.split(inner, [u, u, -1], axis=-1)
        z = self.recurrent_activation(x_z + rec_z)
        r = self.recurrent_activation(x_r + rec_r)
        if self.reset_after:
            rec_h = r * rec_h
        else:
            rec_h = linalg.matmul(r * h_dropped, self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(x_h + rec_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


# -- the time loop -----------------------------------------------------------------------------

def _zeros(x, size):
    """zeros [batch, size] for time-major x, whose batch may be unknown until run time."""
    batch = dynamic_dims(x)[1]
    if isinstance(batch, int):
        return array.zeros([batch, size], x.dtype)
    return reshape_dims(array.zeros(array.stack([batch, size]), x.dtype), [batch, size])


class RNN(Layer):
    """Runs `cell` over the time axis of [batch, time, ...] inputs (see the module doc).

    Call arguments: `mask` ([batch, time] bool: a masked step keeps the previous states
    and output), `training` (dropout), `initial_state` (a list of state tensors).
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, zero_output_for_mask=False,
                 **kwargs):
        if stateful:
            raise NotImplementedError("twinflow's recurrent layers support stateful=False "
                                      "only: pass the final states back as initial_state.")
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"Argument `cell` should have a `call` method and a "
                             f"`state_size` attribute. Received: cell={cell}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), False
        self.unroll, self.time_major = bool(unroll), bool(time_major)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is not None and shape.rank < 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=3, found ndim={shape.rank}. Full shape received: "
                             f"{tuple(shape.as_list())}")
        if not self.cell.built:  # weights named like Keras 2's: lstm/lstm_cell/kernel
            own = self.cell._name
            self.cell._name = f"{self.name}/{own}"
            try:
                dims = shape.as_list()
                self.cell.build(TensorShape([dims[1 if self.time_major else 0], *dims[2:]]))
            finally:
                self.cell._name = own
            self.cell.built = True
        self.built = True

    def call(self, inputs, mask=None, training=None, initial_state=None):
        rank = inputs.shape.rank
        x = inputs if self.time_major else array.transpose(inputs, [1, 0, *range(2, rank)])
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None and not self.time_major:
            mask = array.transpose(mask, [1, 0])
        states = list(nest.flatten(initial_state)) if initial_state is not None else \
            [_zeros(x, n) for n in nest.flatten(self.cell.state_size)]
        if training and hasattr(self.cell, "_masks"):
            self.cell._masks = self.cell.new_masks(x[0], states[0])
        try:
            loop = self._python_loop if x.shape[0] is not None else self._while_loop
            last, outputs, states = loop(x, mask, states, training)
        finally:
            if hasattr(self.cell, "_masks"):
                self.cell._masks = None
        if self.return_sequences:
            output = outputs if self.time_major else \
                array.transpose(outputs, [1, 0, *range(2, outputs.shape.rank)])
        else:
            output = last
        return [output] + list(states) if self.return_state else output

    def _step(self, x_t, states, mask_t, prev, training):
        """One cell step; where mask_t is False the states and output stay the previous
        ones (the output zeros when zero_output_for_mask), as Keras's backend.rnn."""
        output, new_states = self.cell(x_t, states, training=training)
        new_states = list(nest.flatten(new_states))
        if mask_t is not None:
            keep = array.expand_dims(mask_t, -1)
            new_states = [math.where(keep, n, s) for n, s in zip(new_states, states)]
            previous = array.zeros_like(output) if self.zero_output_for_mask else prev
            output = math.where(keep, output, previous)
        return output, new_states

    def _first_output(self, x):
        return _zeros(x, getattr(self.cell, "output_size", nest.flatten(self.cell.state_size)[0]))

    def _python_loop(self, x, mask, states, training):
        xs = array.unstack(x)
        masks = array.unstack(mask) if mask is not None else [None] * len(xs)
        order = range(len(xs) - 1, -1, -1) if self.go_backwards else range(len(xs))
        prev = self._first_output(x) if mask is not None else None
        outputs = []
        for t in order:
            prev, states = self._step(xs[t], states, masks[t], prev, training)
            outputs.append(prev)
        return prev, array.stack(outputs) if self.return_sequences else None, states

    def _while_loop(self, x, mask, states, training):
        if self.unroll:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. Specify "
                             "the time dimension: an `input_shape` on the first layer of a "
                             "Sequential model, or a `shape` on the functional API's Input.")
        if self.go_backwards:
            x = array.reverse(x, [0])
            mask = None if mask is None else array.reverse(mask, [0])
        steps = array.shape(x)[0]
        xs = TensorArray(x.dtype, size=steps).unstack(x)
        masks = None if mask is None else TensorArray(mask.dtype, size=steps).unstack(mask)
        outputs = TensorArray(x.dtype, size=steps)

        def body(t, prev, states, outputs):
            out, new = self._step(xs.read(t), list(states), None if masks is None else
                                  masks.read(t), prev, training)
            return t + 1, out, new, outputs.write(t, out)
        _, last, states, outputs = while_loop(
            lambda t, *_: t < steps, body, (0, self._first_output(x), states, outputs))
        return last, outputs.stack() if self.return_sequences else None, list(states)

    def get_config(self):
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll,
                  "time_major": self.time_major}
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("cell")), **config)


_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "time_major")


class _CellLayer(RNN):
    """SimpleRNN, LSTM and GRU: an RNN over their own cell, made from the arguments;
    the cell's settings read as the layer's attributes (`lstm.units`)."""

    _cell_class = None

    def __init__(self, args, kwargs):
        names = {*inspect.signature(_Cell).parameters,
                 *inspect.signature(self._cell_class).parameters} - {"kwargs"}
        cell_args = {k: args[k] for k in names if k in args}
        if "implementation" in kwargs:
            cell_args["implementation"] = kwargs.pop("implementation")
        cell = self._cell_class(**cell_args, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True))
        super().__init__(cell, activity_regularizer=args["activity_regularizer"],
                         **{k: args[k] for k in _RNN_ARGS}, **kwargs)

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and name in vars(cell):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = {k: v for k, v in super().get_config().items() if k != "cell"}
        cell_config = {k: v for k, v in self.cell.get_config().items()
                       if k not in ("name", "trainable", "dtype")}
        return {**config, **cell_config,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """A fully-connected RNN whose output is fed back: see SimpleRNNCell."""

    _cell_class = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, time_major=False, **kwargs):
        super().__init__(dict(locals()), kwargs)


class LSTM(_CellLayer):
    """Long Short-Term Memory (Hochreiter 1997): see LSTMCell. States: [h, c]."""

    _cell_class = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, time_major=False, unroll=False, **kwargs):
        super().__init__(dict(locals()), kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al. 2014), reset gate after the recurrent matmul by
    default (the cuDNN-compatible variant): see GRUCell."""

    _cell_class = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, reset_after=True, **kwargs):
        super().__init__(dict(locals()), kwargs)


# -- wrappers ------------------------------------------------------------------------------------

_MERGES = {"concat": lambda a, b: array.concat([a, b], -1), "sum": lambda a, b: a + b,
           "ave": lambda a, b: (a + b) / 2, "mul": lambda a, b: a * b}


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards over the sequence and
    merges the two outputs (`merge_mode`: concat, sum, mul, ave, or None for both).

    The wrapped layer is not used itself: like Keras, Bidirectional rebuilds two layers
    from its config, `forward_<name>` and `backward_<name>` (go_backwards flipped).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `tf.keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode is not None and merge_mode not in _MERGES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             f"one of {{\"sum\", \"mul\", \"ave\", \"concat\", None}}")
        if weights is not None:
            raise NotImplementedError("Bidirectional(weights=...): call set_weights once built")
        kwargs.setdefault("dtype", layer.dtype)  # a wrapper computes in its layer's dtype
        super().__init__(**kwargs)
        self._layer_config = serialize_layer(layer)
        self._backward_config = None if backward_layer is None else serialize_layer(backward_layer)
        self.forward_layer = _recreate(layer)
        self.backward_layer = backward_layer if backward_layer is not None else \
            _recreate(layer, flip=True)
        for prefix, sub in (("forward_", self.forward_layer), ("backward_", self.backward_layer)):
            sub._name = sub._scope_name = prefix + sub.name
        _check_pair(self.forward_layer, self.backward_layer)
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def call(self, inputs, training=None, mask=None, initial_state=None):
        common = {k: v for k, v in (("training", training), ("mask", mask)) if v is not None}
        halves = [None, None]
        if initial_state is not None:
            states = list(nest.flatten(initial_state))
            halves = [states[:len(states) // 2], states[len(states) // 2:]]
        y, y_rev = [layer(inputs, **common, **({"initial_state": s} if s else {}))
                    for layer, s in zip((self.forward_layer, self.backward_layer), halves)]
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = array.reverse(y_rev, [0 if getattr(self.forward_layer, "time_major", False)
                                          else 1])
        output = _MERGES[self.merge_mode](y, y_rev) if self.merge_mode else [y, y_rev]
        if not self.return_state:
            return output
        return output + states if self.merge_mode is None else [output] + states

    def get_config(self):
        config = {**super().get_config(), "merge_mode": self.merge_mode,
                  "layer": self._layer_config}
        if self._backward_config is not None:
            config["backward_layer"] = self._backward_config
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=None if backward is None else deserialize_layer(backward),
                   **config)


def _recreate(layer, flip=False):
    config = layer.get_config()
    if flip:
        config["go_backwards"] = not config.get("go_backwards", False)
    return type(layer).from_config(config)


def _check_pair(forward, backward):
    if getattr(forward, "go_backwards", False) == getattr(backward, "go_backwards", True):
        raise ValueError(f"Forward layer and backward layer should have different "
                         f"`go_backwards` value. forward_layer.go_backwards = "
                         f"{forward.go_backwards}, backward_layer.go_backwards = "
                         f"{backward.go_backwards}")
    for attr in ("return_sequences", "return_state"):
        if getattr(forward, attr) != getattr(backward, attr):
            raise ValueError(f"Forward layer and backward layer are expected to have the same "
                             f"value for attribute \"{attr}\", got \"{getattr(forward, attr)}\" "
                             f"for forward layer and \"{getattr(backward, attr)}\" for "
                             f"backward layer")


class TimeDistributed(Layer):
    """Applies `layer` to every time step: [batch, time, ...] -> [batch, time, ...out].

    Batch and time are folded into one axis and the layer called once (not once per
    step): the same numbers for per-example layers, but a layer using batch statistics
    (BatchNormalization in training) sees all batch * time rows at once."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        kwargs.setdefault("dtype", layer.dtype)  # compute in the wrapped layer's dtype
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is None or shape.rank < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape ` with "
                             f"at least 3 dimensions, received: {shape}")
        self.built = True

    def call(self, inputs, training=None, mask=None):
        dims = dynamic_dims(inputs)
        folded = reshape_dims(inputs, [-1, *dims[2:]])
        outputs = self.layer(folded, **({} if training is None else {"training": training}))
        return reshape_dims(outputs, [*dims[:2], *dynamic_dims(outputs)[1:]])

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer")), **config)
