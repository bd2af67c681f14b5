"""Reading and setting weight values in either mode (graph mode: the Keras Session)."""

from __future__ import annotations

import numpy as np

from engine import context
from graph.saver import RestoreOps
from twinflow.keras.backend import get_session

__all__ = ["read_values", "assign_values"]


# One placeholder + assign per graph variable, built on the first set_weights and reused.
_SETTER = RestoreOps(scope="set_weights")


def read_values(variables):
    """The variables' values as numpy arrays."""
    if not variables:
        return []
    if context.executing_eagerly():
        return [np.array(v.numpy()) for v in variables]
    return [np.array(x) for x in get_session().run(list(variables))]


def assign_values(owner, variables, values):
    """Sets each variable to its value (numpy), checking count and shapes first.

    Raises:
        ValueError: a different number of values, or a shape that does not fit.
    """
    values = list(values)
    if len(values) != len(variables):
        raise ValueError(f"You called `set_weights(weights)` on layer {owner!r} with a "
                         f"weight list of length {len(values)}, but the layer was expecting "
                         f"{len(variables)} weights.")
    arrays = []
    for v, value in zip(variables, values):
        array = np.asarray(value, dtype=v.dtype._np)
        if tuple(v.shape.as_list()) != array.shape:
            raise ValueError(f"Layer {owner!r} weight shape {tuple(v.shape.as_list())} is not "
                             f"compatible with provided weight shape {array.shape}.")
        arrays.append(array)
    session = None if context.executing_eagerly() else get_session()
    _SETTER.run(list(zip(variables, arrays)), session, "set_weights")
