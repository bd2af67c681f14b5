"""tf.keras.optimizers (Keras 2's OptimizerV2 rules): SGD, Adam, AdamW, RMSprop, Adagrad,
Adadelta, Adamax, Nadam.

`apply_gradients` runs the shared ResourceApply* kernels of engine/ops/training.py
where TensorFlow has one (the TF1 optimizers use the same ones), and composes public
ops otherwise, so every mode steps by the same numbers. Slots ("m", "v", "momentum",
...) are non-trainable variables made on first use — outside the graph when that first
use is inside tf.function — and `iterations` counts steps. The learning rate, as in
Keras 2, becomes a variable on first use, so a callback that sets it changes what an
already traced train step (or a built TF1 training op) uses.
"""

from __future__ import annotations

from engine.ops import math, training
from engine.variables import Variable
from twinflow.keras import schedules
from twinflow.keras.optimizer_base import Optimizer

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "get", "serialize", "deserialize", "schedules", "legacy"]

class SGD(Optimizer):
    """var -= lr * grad; with momentum: v = momentum * v - lr * grad; var += v."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: "
                             f"momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _create_slots(self, var_list):
        if self.momentum:
            for var in var_list:
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

    def _create_slots(self, var_list):
        for slot in ("m", "v") + (("vhat",) if self.amsgrad else ()):
            for var in var_list:
                self.add_slot(var, slot)

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        step = self._step(dtype)
        beta_1, beta_2 = self._hyper(self.beta_1, dtype), self._hyper(self.beta_2, dtype)
        b1_power, b2_power = math.pow(beta_1, step), math.pow(beta_2, step)
        lr = self._lr(dtype)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        if not self.amsgrad:
            return training.apply_adam(var, m, v, b1_power, b2_power, lr, beta_1, beta_2,
                                       self.epsilon, grad)
        return self._amsgrad(var, m, v, grad, lr, beta_1, beta_2, b1_power, b2_power)

    def _amsgrad(self, var, m, v, grad, lr, beta_1, beta_2, b1_power, b2_power):
        """TensorFlow's ApplyAdamWithAmsgrad, composed from public ops."""
        vhat, one = self.get_slot(var, "vhat"), self._hyper(1.0, var.dtype)
        alpha = lr * math.sqrt(one - b2_power) / (one - b1_power)
        m_t = m.assign(m + (grad - m) * (one - beta_1))
        v_t = v.assign(v + (math.square(grad) - v) * (one - beta_2))
        vhat_t = vhat.assign(math.maximum(vhat, v_t))
        return var.assign_sub((m_t * alpha) / (math.sqrt(vhat_t) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), Keras's rule: before the
    Adam step every trainable variable shrinks, var -= var * weight_decay * lr."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="AdamW", **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name,
                         weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """rms = rho * rms + (1 - rho) * g^2; var -= lr * g / (sqrt(rms) + epsilon) (Keras's
    rule; with momentum or centered, TensorFlow's ResourceApply(Centered)RMSProp)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _create_slots(self, var_list):
        names = ("rms",) + (("momentum",) if self.momentum else ()) + \
            (("mg",) if self.centered else ())
        for slot in names:
            for var in var_list:
                self.add_slot(var, slot)

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
        if initial_accumulator_value < 0.0:
            raise ValueError("initial_accumulator_value must be non-negative: "
                             f"{initial_accumulator_value}")
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accumulator", self.initial_accumulator_value)

    def _apply_dense(self, grad, var):
        return training.apply_adagrad_v2(var, self.get_slot(var, "accumulator"),
                                         self._lr(var.dtype), self.epsilon, grad)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon,
                "initial_accumulator_value": self.initial_accumulator_value}


class Adadelta(Optimizer):
    """TensorFlow's ApplyAdadelta, composed from public ops:
    accum = rho * accum + (1 - rho) * g^2;
    update = sqrt(accum_var + eps) * rsqrt(accum + eps) * g;
    var -= lr * update; accum_var = rho * accum_var + (1 - rho) * update^2."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _create_slots(self, var_list):
        for slot in ("accum_grad", "accum_var"):
            for var in var_list:
                self.add_slot(var, slot)

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        lr, rho, eps = self._lr(dtype), self._hyper(self.rho, dtype), \
            self._hyper(self.epsilon, dtype)
        one_minus_rho = self._hyper(1.0, dtype) - rho
        accum, accum_var = self.get_slot(var, "accum_grad"), self.get_slot(var, "accum_var")
        accum_t = accum.assign(accum * rho + math.square(grad) * one_minus_rho)
        update = math.sqrt(accum_var + eps) * math.rsqrt(accum_t + eps) * grad
        var_t = var.assign_sub(update * lr)
        return [var_t, accum_var.assign(accum_var * rho + math.square(update) * one_minus_rho)]

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """TensorFlow's ApplyAdaMax, composed from public ops: m += (g - m) * (1 - beta_1);
    v = max(beta_2 * v, |g|); var -= lr / (1 - beta_1^t) * m / (v + epsilon)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Adamax", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _create_slots(self, var_list):
        for slot in ("m", "v"):
            for var in var_list:
                self.add_slot(var, slot)

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        lr, beta_1, beta_2 = self._lr(dtype), self._hyper(self.beta_1, dtype), \
            self._hyper(self.beta_2, dtype)
        one = self._hyper(1.0, dtype)
        b1_power = math.pow(beta_1, self._step(dtype))
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_t = m.assign(m + (grad - m) * (one - beta_1))
        v_t = v.assign(math.maximum(beta_2 * v, math.abs(grad)))
        return var.assign_sub(lr / (one - b1_power) * (m_t / (v_t + self._hyper(
            self.epsilon, dtype))))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum, Keras 2's rule (Dozat): the momentum schedule
    mu_t = beta_1 * (1 - 0.5 * 0.96^(0.004 t)) and its running product, kept in the
    `momentum_cache` weight, correct the first moment."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Nadam", schedule_decay=0.004, **kwargs):
        kwargs.pop("decay", None)  # Keras 2: `decay` is the schedule's, not the rate's
        if isinstance(kwargs.get("lr", learning_rate), (schedules.LearningRateSchedule,
                                                         dict)):
            raise ValueError("The Nadam optimizer does not support "
                             "tf.keras.optimizers.LearningRateSchedules as the learning rate.")
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.schedule_decay = float(schedule_decay)
        self._m_cache, self._coefficients = None, None

    def _create_slots(self, var_list):
        if self._m_cache is None:
            self._m_cache = Variable(1.0, name=f"{self._name}/momentum_cache",
                                     trainable=False, dtype=var_list[0].dtype)
            self._weights.append(self._m_cache)
        for slot in ("m", "v"):
            for var in var_list:
                self.add_slot(var, slot)

    def _prepare(self, pairs):
        """OptimizerV2's _prepare_local: the schedule, updated once per step."""
        dtype = self._m_cache.dtype
        step = self._step(dtype)
        beta_1 = self._hyper(self.beta_1, dtype)
        decay_base = self._hyper(0.96, dtype)
        decay = self.schedule_decay
        m_t = beta_1 * (1.0 - 0.5 * math.pow(decay_base, decay * step))
        m_t_1 = beta_1 * (1.0 - 0.5 * math.pow(decay_base, decay * (step + 1.0)))
        m_schedule_new = self._m_cache.assign(self._m_cache.read_value() * m_t)
        m_schedule_next = m_schedule_new * m_t_1
        self._coefficients = (m_t, m_t_1, m_schedule_new, m_schedule_next)
        return [m_schedule_new]

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        m_t_coef, m_t_1, m_schedule_new, m_schedule_next = self._coefficients
        beta_1, beta_2 = self._hyper(self.beta_1, dtype), self._hyper(self.beta_2, dtype)
        beta_2_power = math.pow(beta_2, self._step(dtype))
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        g_prime = grad / (1.0 - m_schedule_new)
        m_t = m.assign(beta_1 * m + (1.0 - beta_1) * grad)
        m_t_prime = m_t / (1.0 - m_schedule_next)
        v_t = v.assign(beta_2 * v + (1.0 - beta_2) * math.square(grad))
        v_t_prime = v_t / (1.0 - beta_2_power)
        m_t_bar = (1.0 - m_t_coef) * g_prime + m_t_1 * m_t_prime
        return var.assign_sub(self._lr(dtype) * m_t_bar / (math.sqrt(v_t_prime) +
                                                           self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "schedule_decay": self.schedule_decay}


_CLASSES = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta,
                                          Adamax, Nadam)}
_BY_NAME = {name.lower(): cls for name, cls in _CLASSES.items()}


def get(identifier, custom_objects=None):
    """An optimizer from a name ("adam"), a config dict, or itself.

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    cls = (custom_objects or {}).get(identifier) if isinstance(identifier, str) else None
    cls = cls or _BY_NAME.get(str(identifier).lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
    return cls()


def serialize(optimizer):
    """{"class_name": ..., "config": ...}: what a saved model's compile config holds."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """The optimizer a `serialize` dict describes.

    Raises:
        ValueError: an unknown class name.
    """
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name) or \
        _BY_NAME.get(str(name).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is "
                         "included in the scope.")
    return cls.from_config(config.get("config", {}))


class legacy:  # noqa: N801 - tf.keras.optimizers.legacy (Keras 2's OptimizerV2 names)
    SGD, Adam, RMSprop, Adagrad, Optimizer = SGD, Adam, RMSprop, Adagrad, Optimizer
    Adadelta, Adamax, Nadam = Adadelta, Adamax, Nadam
