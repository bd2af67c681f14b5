"""tf.keras.optimizers.schedules: learning rates as functions of the step."""

from __future__ import annotations

import math as _pymath

from engine import dtypes
from engine.ops import math
from engine.ops.core import convert_to_tensor

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "CosineDecay", "InverseTimeDecay", "PolynomialDecay", "serialize", "deserialize"]


class LearningRateSchedule:
    """`schedule(step)` -> the learning rate at that step (a float32 tensor)."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        return dict(self.__dict__)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _step(step):
    return math.cast(convert_to_tensor(step), dtypes.float32)


def _float32(value):
    return math.cast(convert_to_tensor(value), dtypes.float32)


class ExponentialDecay(LearningRateSchedule):
    """initial * decay_rate ^ (step / decay_steps) (floored with staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * math.pow(
            convert_to_tensor(float(self.decay_rate)), p)


class InverseTimeDecay(LearningRateSchedule):
    """initial / (1 + decay_rate * step / decay_steps)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while boundaries[i-1] < step <= boundaries[i]."""

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        step = _step(step)
        rate = convert_to_tensor(float(self.values[-1]))
        for boundary, value in reversed(list(zip(self.boundaries, self.values))):
            rate = math.where(step <= float(boundary), float(value), rate)
        return rate


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ^ power + end; with `cycle`, decay_steps
    grows to the next multiple of itself past the step instead of the step stopping."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, \
            power, cycle, name

    def __call__(self, step):
        step, decay_steps = _step(step), _float32(self.decay_steps)
        if self.cycle:
            multiplier = math.where(math.equal(step, 0.0), 1.0,
                                    math.ceil(step / float(self.decay_steps)))
            decay_steps = decay_steps * multiplier
        else:
            step = math.minimum(step, decay_steps)
        frac = 1.0 - step / decay_steps
        initial, end = _float32(self.initial_learning_rate), _float32(self.end_learning_rate)
        return (initial - end) * math.pow(frac, float(self.power)) + end


class CosineDecay(LearningRateSchedule):
    """initial * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha); with
    warmup_steps, first a linear ramp from initial to warmup_target, then the decay from
    warmup_target (Keras 2.12's schedule)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate, self.decay_steps, self.alpha, self.name = \
            initial_learning_rate, decay_steps, alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decay(self, step, decay_steps, decay_from):
        completed = step / decay_steps
        cosine = 0.5 * (1.0 + math.cos(_float32(_pymath.pi) * completed))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        initial, decay_steps = _float32(self.initial_learning_rate), _float32(self.decay_steps)
        step = _step(step)
        if self.warmup_target is None:
            return self._decay(math.minimum(step, decay_steps), decay_steps, initial)
        warmup_steps, target = _float32(self.warmup_steps), _float32(self.warmup_target)
        step = math.minimum(step, decay_steps + warmup_steps)
        warm = (target - initial) * (step / warmup_steps) + initial
        return math.where(step < warmup_steps, warm,
                          self._decay(step - warmup_steps, decay_steps, target))


_CLASSES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay,
                                          PiecewiseConstantDecay, PolynomialDecay,
                                          CosineDecay)}


def serialize(schedule):
    """{"class_name": ..., "config": ...} (what an optimizer's config stores)."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    """The schedule a `serialize` dict describes.

    Raises:
        ValueError: an unknown class name.
    """
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown decay: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is "
                         "included in the scope.")
    return cls.from_config(config.get("config", {}))
