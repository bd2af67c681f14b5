"""tf.keras.regularizers: penalties a layer adds to the loss for its weights."""

from __future__ import annotations

from engine.ops import math, reduce

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = None
        if self.l1:
            total = reduce.reduce_sum(math.abs(x)) * self.l1
        if self.l2:
            term = reduce.reduce_sum(math.square(x)) * self.l2
            total = term if total is None else total + term
        return total if total is not None else reduce.reduce_sum(x * 0.0)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2}


def get(identifier):
    """A regularizer from a name ("l2"), a config dict, a callable, or None."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        name = identifier["class_name"].lower().replace("l1l2", "l1_l2")
        return _BY_NAME[name](**identifier.get("config", {}))
    try:
        return _BY_NAME[str(identifier).lower()]()
    except KeyError:
        raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}") \
            from None


def serialize(regularizer):
    return None if regularizer is None else {"class_name": type(regularizer).__name__,
                                             "config": regularizer.get_config()}
