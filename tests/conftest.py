"""Shared fixtures: `hide` makes eager tensors look like graph placeholders."""

import numpy as np
import pytest

from eager.tensor import EagerTensor
from engine.ops.core import constant
from engine.shapes import TensorShape


@pytest.fixture
def hide(monkeypatch):
    """make(value, shape=None): an eager tensor whose static shape is `shape` (unknown rank
    by default) and whose value is unknown while "building" — so gradient and infer code
    takes the dynamic-shape path graph mode will take."""
    hidden = {}
    real_shape = EagerTensor.shape
    monkeypatch.setattr(EagerTensor, "shape", property(
        lambda t: hidden.get(id(t), real_shape.fget(t))))
    real_value = EagerTensor._static_value
    monkeypatch.setattr(EagerTensor, "_static_value",
                        lambda t: None if id(t) in hidden else real_value(t))

    def make(value, shape=None):
        t = constant(np.asarray(value))
        hidden[id(t)] = TensorShape(shape)
        return t
    return make


@pytest.fixture
def graph_mode():
    """TF1 mode (eager disabled) on a fresh default graph, restored to eager afterwards."""
    from graph.graph import (disable_eager_execution, enable_eager_execution,
                             get_default_graph, reset_default_graph)
    reset_default_graph()
    disable_eager_execution()
    yield get_default_graph()
    enable_eager_execution()
    reset_default_graph()
