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
                 global_clipnorm=None, weight_decay=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, **kwargs):
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
        self.weight_decay = None if weight_decay is None else float(weight_decay)
        self._exclude_ids, self._exclude_names = set(), ()
        _check_ema(use_ema, ema_momentum, ema_overwrite_frequency)
        self.use_ema, self.ema_momentum = bool(use_ema), float(ema_momentum)
        self.ema_overwrite_frequency, self.jit_compile = ema_overwrite_frequency, jit_compile
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
        variables = [v for _, v in pairs]
        self._create_slots(variables)
        prepared = self._start_averages(variables)
        with _after(prepared):
            prepared += self._decay_weights(variables)
        with _after(prepared):
            prepared += self._prepare(pairs) or []
        updates = []
        for grad, var in pairs:
            with _after(prepared):
                update = self._apply_dense(convert_to_tensor(grad), var)
            updates += list(update) if isinstance(update, (list, tuple)) else [update]
        with _after(prepared + updates):  # Keras 2: the average sees the unconstrained step
            updates += self._update_averages(variables)
        for var in variables:
            if var.constraint is not None:
                with _after(prepared + updates):
                    updates.append(var.assign(var.constraint(var.read_value())))
        # in a graph the returned op runs every update first (what a TF1 train_op needs)
        with _after(prepared + updates):
            return iterations.assign_add(1)

    # -- decoupled weight decay and EMA (Keras 2.11's Optimizer) ---------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or variables whose name `re.search`es one of `var_names`) not
        decayed."""
        self._exclude_ids |= {id(v) for v in var_list or ()}
        self._exclude_names = tuple(var_names or ())

    def _decays(self, var):
        import re
        return id(var) not in self._exclude_ids and not any(
            re.search(name, var.name) for name in self._exclude_names)

    def _decay_weights(self, variables):
        """var -= var * weight_decay * lr, before the update (decoupled weight decay)."""
        if not self.weight_decay:
            return []
        return [var.assign_sub(var * self._hyper(self.weight_decay, var.dtype) *
                               self._lr(var.dtype))
                for var in variables if self._decays(var)]

    def _start_averages(self, variables):
        """On the first step the average starts at the variable (Keras 2 builds it with
        initial_value=var, before any decay or update)."""
        if not self.use_ema:
            return []
        first = math.cast(math.equal(self.iterations.read_value(), 0), dtypes.float32)
        ops = []
        for var in variables:
            average, flag = self.add_slot(var, "average"), math.cast(first, var.dtype)
            ops.append(average.assign(flag * var + (1.0 - flag) * average))
        return ops

    def _update_averages(self, variables):
        """average = m * average + (1 - m) * var after the update; every
        `ema_overwrite_frequency` steps the variables take their averages."""
        if not self.use_ema:
            return []
        ops = []
        for var in variables:
            average, m = self.get_slot(var, "average"), self._hyper(self.ema_momentum,
                                                                    var.dtype)
            ops.append(average.assign(m * average + (1.0 - m) * var))
        if self.ema_overwrite_frequency:
            due = math.equal(math.floormod(self.iterations.read_value() + 1,
                                           self.ema_overwrite_frequency), 0)
            with _after(ops):
                for var in variables:
                    flag = math.cast(due, var.dtype)
                    ops.append(var.assign(flag * self.get_slot(var, "average") +
                                          (1.0 - flag) * var))
        return ops

    def finalize_variable_values(self, var_list):
        """With use_ema, each variable takes its moving average (what fit does at its
        end in Keras 2.11+)."""
        if self.use_ema:
            for var in var_list:
                if (id(var), "average") in self._slots:
                    var.assign(self.get_slot(var, "average"))

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
        for key in ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        if self.use_ema:
            config.update(use_ema=True, ema_momentum=self.ema_momentum,
                          ema_overwrite_frequency=self.ema_overwrite_frequency)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)


def _check_ema(use_ema, momentum, frequency):
    if not use_ema:
        return
    if not 0 <= momentum <= 1:
        raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: "
                         f"ema_momentum={momentum}")
    if frequency and (not isinstance(frequency, int) or frequency < 1):
        raise ValueError(f"`ema_overwrite_frequency` must be an integer > 1 or None. "
                         f"Received: ema_overwrite_frequency={frequency}")


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
