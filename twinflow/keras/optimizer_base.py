"""The base of tf.keras.optimizers: hyperparameters (the learning rate a variable made on
first use, as Keras 2's are, so a callback that sets it changes what an already traced
train step or built TF1 training op uses), slots, clipping and `apply_gradients`."""

from __future__ import annotations

import contextlib

from engine import context, dtypes
from engine.ops import linalg, math
from engine.ops.array import zeros
from engine.ops.core import convert_to_tensor
from engine.variables import Variable
from twinflow.keras import schedules

__all__ = ["Optimizer"]

_ALLOWED_KWARGS = {"clipnorm", "clipvalue", "lr", "decay", "global_clipnorm"}


class Optimizer:
    """Base class: hyperparameters, slots, gradient clipping and `apply_gradients`.

    Raises:
        ValueError: more than one of clipnorm / clipvalue / global_clipnorm.
        TypeError: an unknown keyword argument.
    """

    def __init__(self, name, learning_rate=0.001, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, **kwargs):
        unknown = sorted(set(kwargs) - _ALLOWED_KWARGS)
        if unknown:
            raise TypeError(f"Unexpected keyword argument passed to optimizer: {unknown[0]}. "
                            f"Allowed kwargs are {sorted(_ALLOWED_KWARGS)}.")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Cannot accept more than one of `clipnorm`, `clipvalue`, and "
                             "`global_clipnorm`.")
        self._name = name
        rate = kwargs.pop("lr", learning_rate)
        self._learning_rate = schedules.deserialize(rate) if isinstance(rate, dict) else rate
        self.decay = float(kwargs.pop("decay", 0.0))
        if self.decay < 0:
            raise ValueError(f"decay cannot be less than 0. Received: decay={self.decay}.")
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, \
            global_clipnorm
        self._slots = {}        # (id(var), slot name) -> slot variable
        self._slot_keys = {}    # id(slot) -> (the variable, slot name)
        self._iterations = None
        self._weights = []

    # -- hyperparameters ---------------------------------------------------------------
    @property
    def iterations(self):
        """The number of apply_gradients calls so far (an int64 variable)."""
        if self._iterations is None:
            self._iterations = Variable(0, name=f"{self._name}/iter", trainable=False,
                                        dtype=dtypes.int64)
            self._weights.insert(0, self._iterations)
        return self._iterations

    @property
    def learning_rate(self):
        """The learning-rate variable (made on first use, as Keras 2's hyperparameters
        are), or the LearningRateSchedule the optimizer was made with."""
        rate = self._learning_rate
        if isinstance(rate, (Variable, schedules.LearningRateSchedule)) or callable(rate):
            return rate
        self._learning_rate = Variable(float(rate), name=f"{self._name}/learning_rate",
                                       trainable=False, dtype=dtypes.float32)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object "
                            "as its `learning_rate` constructor argument, hence its learning "
                            "rate is not settable. If you need the learning rate to be "
                            "settable, you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
        elif isinstance(self._learning_rate, Variable):
            _set_value(self._learning_rate, value)
        else:
            self._learning_rate = float(value)

    lr = learning_rate

    def _lr(self, dtype):
        """The learning rate now: a schedule is evaluated at `iterations`, and `decay`
        divides it by (1 + decay * iterations), as OptimizerV2's _decayed_lr."""
        rate = self.learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = rate(self.iterations.read_value())
        elif callable(rate) and not isinstance(rate, Variable):
            rate = rate()
        rate = math.cast(rate.read_value() if isinstance(rate, Variable) else
                         convert_to_tensor(rate), dtype)
        if self.decay:
            step = math.cast(self.iterations.read_value(), dtype)
            rate = rate / (1.0 + math.cast(convert_to_tensor(self.decay), dtype) * step)
        return rate

    @property
    def variables(self):
        """iterations, then every slot, in creation order (Keras 2's `weights`)."""
        return list(self._weights)

    weights = variables

    def get_weights(self):
        from twinflow.keras.weights_io import read_values
        return read_values(self.variables)

    def set_weights(self, weights):
        from twinflow.keras.weights_io import assign_values
        assign_values(self._name, self.variables, weights)

    def _checkpoint_children(self):
        children = {"iter": self.iterations}
        for (_, name), slot in self._slots.items():
            children[slot.name.split(":")[0].replace("/", "_")] = slot
        return children

    # -- slots ----------------------------------------------------------------------------
    def add_slot(self, var, slot_name, initializer="zeros"):
        """The slot `slot_name` of `var` (made the first time, zeros or a constant)."""
        key = (id(var), slot_name)
        slot = self._slots.get(key)
        if slot is None:
            shape, dtype = var.shape.as_list(), var.dtype
            value = (lambda: zeros(shape, dtype)) if initializer == "zeros" else \
                (lambda: math.cast(initializer, dtype) + zeros(shape, dtype))
            base = var.name.split(":")[0]
            slot = Variable(value, name=f"{self._name}/{base}/{slot_name}", trainable=False,
                            dtype=dtype)
            self._slots[key] = slot
            self._slot_keys[id(slot)] = (var, slot_name)
            self._weights.append(slot)
        return slot

    def get_slot(self, var, slot_name):
        return self._slots[(id(var), slot_name)]

    def get_slot_names(self):
        return list(dict.fromkeys(name for _, name in self._slots))

    def slot_owner(self, slot):
        """(variable, slot name) of a slot variable, or None for iterations/extras."""
        return self._slot_keys.get(id(slot))

    def build(self, var_list):
        """Creates iterations, the learning rate and every slot of `var_list` now (what
        loading saved optimizer state needs before assigning it)."""
        self.iterations
        self.learning_rate
        self._create_slots(list(var_list))

    # -- applying -------------------------------------------------------------------------
    def _clip_gradients(self, grads):
        if self.clipvalue is not None:
            return [None if g is None else math.clip_by_value(g, -self.clipvalue,
                                                               self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            return [None if g is None else linalg.clip_by_norm(g, self.clipnorm)
                    for g in grads]
        if self.global_clipnorm is not None:
            present = [g for g in grads if g is not None]
            clipped, _ = linalg.clip_by_global_norm(present, self.global_clipnorm)
            it = iter(clipped)
            return [None if g is None else next(it) for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """One step for each (gradient, variable); None gradients are skipped.

        Raises:
            ValueError: no variable has a gradient.
        """
        pairs = list(grads_and_vars)
        grads = self._clip_gradients([g for g, _ in pairs])
        pairs = [(g, v) for g, (_, v) in zip(grads, pairs) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable: "
                             f"{[v.name for _, v in grads_and_vars]}.")
        iterations = self.iterations
        self.learning_rate  # noqa: B018 - its variable is made here, outside any control deps
        self._create_slots([v for _, v in pairs])
        prepared = self._prepare(pairs) or []
        updates = []
        for grad, var in pairs:
            with _after(prepared):
                update = self._apply_dense(convert_to_tensor(grad), var)
            update = list(update) if isinstance(update, (list, tuple)) else [update]
            updates += update
            if var.constraint is not None:
                with _after(update):
                    updates.append(var.assign(var.constraint(var.read_value())))
        # in a graph the returned op runs every update first (what a TF1 train_op needs)
        with _after(prepared + updates):
            return iterations.assign_add(1)

    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """Differentiates a callable loss with a tape, then applies the gradients."""
        from eager.tape import GradientTape
        tape = tape or GradientTape()
        with tape:
            value = loss() if callable(loss) else loss
        var_list = var_list() if callable(var_list) else list(var_list)
        grads = tape.gradient(value, var_list, output_gradients=grad_loss)
        return self.apply_gradients(zip(grads, var_list))

    def _create_slots(self, var_list):
        pass

    def _prepare(self, pairs):
        """Per-step work shared by every variable, run before any update: returns the
        ops that do it."""
        return []

    def _apply_dense(self, grad, var):
        """Updates `var` and its slots; returns the op(s) whose running does it all."""
        raise NotImplementedError

    def _step(self, dtype):
        """iterations + 1 (OptimizerV2's local_step), in `dtype`."""
        return math.cast(self.iterations.read_value() + 1, dtype)

    def _hyper(self, value, dtype):
        return math.cast(convert_to_tensor(value), dtype)

    def get_config(self):
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = schedules.serialize(rate)
        elif isinstance(rate, Variable):
            rate = float(_get_value(rate))
        config = {"name": self._name, "learning_rate": rate}
        if self.decay:
            config["decay"] = self.decay
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)


def _after(ops):
    """Ops built inside run after `ops` in a graph (TF1 or tf.function); eagerly they
    already have."""
    ops = [op for op in ops if op is not None]
    if context.executing_eagerly() or not ops:
        return contextlib.nullcontext()
    return context.current_executor().control_dependencies(ops)


def _get_value(variable):
    from twinflow.keras.weights_io import read_values
    return read_values([variable])[0]


def _set_value(variable, value):
    if context.executing_eagerly():
        variable.assign(value)
        return
    import numpy as np
    from twinflow.keras.weights_io import assign_values
    assign_values(variable.name, [variable], [np.asarray(value, variable.dtype._np)])
