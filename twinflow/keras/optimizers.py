"""tf.keras.optimizers (Keras 2's OptimizerV2 rules): SGD, Adam, RMSprop, Adagrad.

`apply_gradients` runs the shared ResourceApply* kernels of engine/ops/training.py
(the TF1 optimizers use the same ones), so every mode steps by the same numbers. Slots
("m", "v", "momentum", ...) are non-trainable variables made on first use — outside
the graph when that first use is inside tf.function — and `iterations` counts steps.
"""

from __future__ import annotations

from engine import dtypes
from engine.ops import linalg, math, training
from engine.ops.array import zeros
from engine.ops.core import convert_to_tensor
from engine.variables import Variable
from twinflow.keras import schedules

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "get", "schedules", "legacy"]


class Optimizer:
    """Base class: hyperparameters, slots, gradient clipping and `apply_gradients`."""

    def __init__(self, name, learning_rate=0.001, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, **kwargs):
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Cannot accept more than one of `clipnorm`, `clipvalue`, and "
                             "`global_clipnorm`.")
        self._name = name
        self._learning_rate = kwargs.pop("lr", learning_rate)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, \
            global_clipnorm
        self._slots = {}        # (id(var), slot name) -> slot variable
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
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(value)
        else:
            self._learning_rate = value

    lr = learning_rate

    def _lr(self, dtype):
        """The learning rate now: a schedule is evaluated at `iterations`."""
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = rate(self.iterations)
        return math.cast(convert_to_tensor(rate), dtype)

    @property
    def variables(self):
        """iterations, then every slot, in creation order."""
        return list(self._weights)

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
            self._weights.append(slot)
        return slot

    def get_slot(self, var, slot_name):
        return self._slots[(id(var), slot_name)]

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
        for grad, var in pairs:
            self._create_slots(var)
        for grad, var in pairs:
            self._apply_dense(convert_to_tensor(grad), var)
            if var.constraint is not None:
                var.assign(var.constraint(var.read_value()))
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

    def _create_slots(self, var):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def get_config(self):
        rate = self._learning_rate
        return {"name": self._name, "learning_rate": rate.get_config() if isinstance(
            rate, schedules.LearningRateSchedule) else float(rate)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SGD(Optimizer):
    """var -= lr * grad; with momentum: v = momentum * v - lr * grad; var += v."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: "
                             f"momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _create_slots(self, var):
        if self.momentum:
            self.add_slot(var, "momentum")

    def _apply_dense(self, grad, var):
        lr = self._lr(var.dtype)
        if not self.momentum:
            return training.apply_gradient_descent(var, lr, grad)
        return training.apply_keras_momentum(var, self.get_slot(var, "momentum"), lr, grad,
                                             self.momentum, use_nesterov=self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba), TensorFlow's ResourceApplyAdam with beta powers from
    `iterations`; amsgrad keeps the running maximum of v."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad = amsgrad

    def _create_slots(self, var):
        self.add_slot(var, "m")
        self.add_slot(var, "v")
        if self.amsgrad:
            self.add_slot(var, "vhat")

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        step = math.cast(self.iterations.read_value() + 1, dtype)
        beta_1, beta_2 = (math.cast(convert_to_tensor(b), dtype) for b in (self.beta_1,
                                                                             self.beta_2))
        b1_power, b2_power = math.pow(beta_1, step), math.pow(beta_2, step)
        lr = self._lr(dtype)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        if not self.amsgrad:
            return training.apply_adam(var, m, v, b1_power, b2_power, lr, beta_1, beta_2,
                                       self.epsilon, grad)
        return self._amsgrad(var, m, v, grad, lr, beta_1, beta_2, b1_power, b2_power)

    def _amsgrad(self, var, m, v, grad, lr, beta_1, beta_2, b1_power, b2_power):
        vhat = self.get_slot(var, "vhat")
        lr_t = lr * math.sqrt(1.0 - b2_power) / (1.0 - b1_power)
        m_t = m.assign(m * beta_1 + grad * (1.0 - beta_1))
        v_t = v.assign(v * beta_2 + math.square(grad) * (1.0 - beta_2))
        vhat_t = vhat.assign(math.maximum(vhat, v_t))
        return var.assign_sub(lr_t * m_t / (math.sqrt(vhat_t) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class RMSprop(Optimizer):
    """rms = rho * rms + (1 - rho) * g^2; var -= lr * g / (sqrt(rms) + epsilon) (Keras's
    rule; with momentum or centered, TensorFlow's ResourceApply(Centered)RMSProp)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _create_slots(self, var):
        self.add_slot(var, "rms")
        if self.momentum:
            self.add_slot(var, "momentum")
        if self.centered:
            self.add_slot(var, "mg")

    def _apply_dense(self, grad, var):
        lr, rms = self._lr(var.dtype), self.get_slot(var, "rms")
        if self.momentum:
            mom = self.get_slot(var, "momentum")
            if self.centered:
                return training.apply_centered_rms_prop(
                    var, self.get_slot(var, "mg"), rms, mom, lr, self.rho, self.momentum,
                    self.epsilon, grad)
            return training.apply_rms_prop(var, rms, mom, lr, self.rho, self.momentum,
                                           self.epsilon, grad)
        rms_t = rms.assign(rms * self.rho + math.square(grad) * (1.0 - self.rho))
        denom = rms_t
        if self.centered:
            mg = self.get_slot(var, "mg")
            mg_t = mg.assign(mg * self.rho + grad * (1.0 - self.rho))
            denom = rms_t - math.square(mg_t)
        return var.assign_sub(lr * grad / (math.sqrt(denom) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """accum += g^2; var -= lr * g / (sqrt(accum) + epsilon)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="Adagrad", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _create_slots(self, var):
        self.add_slot(var, "accumulator", self.initial_accumulator_value)

    def _apply_dense(self, grad, var):
        return training.apply_adagrad_v2(var, self.get_slot(var, "accumulator"),
                                         self._lr(var.dtype), self.epsilon, grad)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon,
                "initial_accumulator_value": self.initial_accumulator_value}


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier):
    """An optimizer from a name ("adam") or itself.

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    cls = _BY_NAME.get(str(identifier).lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
    return cls()


class legacy:  # noqa: N801 - tf.keras.optimizers.legacy (TF1-style Keras code uses these)
    SGD, Adam, RMSprop, Adagrad, Optimizer = SGD, Adam, RMSprop, Adagrad, Optimizer
