"""tf.keras.constraints: projections applied to a weight after each optimizer step."""

from __future__ import annotations

from engine.ops import math, reduce

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get", "serialize",
           "deserialize"]


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales columns (norms over `axis`) down to at most max_value."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = math.sqrt(reduce.reduce_sum(math.square(w), axis=self.axis, keepdims=True))
        desired = math.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps norms over `axis` within [min_value, max_value] (moved by `rate`)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = math.sqrt(reduce.reduce_sum(math.square(w), axis=self.axis, keepdims=True))
        desired = self.rate * math.clip_by_value(norms, float(self.min_value),
                                                 float(self.max_value)) + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become 0."""

    def __call__(self, w):
        return w * math.cast(math.greater_equal(w, 0.0), w.dtype)


class UnitNorm(Constraint):
    """Norms over `axis` become 1."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + math.sqrt(reduce.reduce_sum(math.square(w), axis=self.axis,
                                                       keepdims=True)))

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
maxnorm, nonneg, unitnorm = MaxNorm, NonNeg, UnitNorm  # Keras 2's older aliases
_BY_NAME = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
            "unit_norm": UnitNorm, "maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm,
            **{cls.__name__.lower(): cls for cls in (MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}}


def serialize(constraint):
    """{"class_name", "config"} of a constraint (None stays None), as Keras 2 writes it."""
    if constraint is None:
        return None
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config, custom_objects=None):
    """A constraint from what `serialize` wrote (custom classes from custom_objects)."""
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown constraint: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included "
                         "in the scope.")
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A constraint from None, a callable, a name ("non_neg", "MaxNorm") or a config dict.

    Raises:
        ValueError: an identifier that names no constraint.
    """
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    try:
        return _BY_NAME[str(identifier).lower()]()
    except KeyError:
        raise ValueError(f"Could not interpret constraint identifier: {identifier!r}") \
            from None
