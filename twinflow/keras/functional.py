"""The functional API: symbolic Keras inputs, recorded layer calls, and their replay.

`tf.keras.Input(shape)` is a KerasTensor: a shape and dtype with no value. Calling a
layer on KerasTensors traces the layer once on placeholders in a scratch graph — which
builds its weights (made outside that graph, as tf.function does) and gives the output
shapes from the ops' own shape inference — and records a Node. `Model(inputs, outputs)`
replays the recorded nodes, in the order they were created, on real tensors.
"""

from __future__ import annotations

import itertools

from engine import dtypes, nest
from engine.ops.core import placeholder
from engine.shapes import TensorShape
from graph.func_graph import FuncGraph
from twinflow.keras.base_layer import Layer

__all__ = ["KerasTensor", "Input", "InputLayer", "Node", "has_keras_tensors",
           "symbolic_call", "output_shape", "nodes_between"]

_order = itertools.count()


class KerasTensor:
    """A symbolic Keras value: the shape (batch dim first) and dtype of a layer output."""

    def __init__(self, shape, dtype=dtypes.float32, name=None, node=None, index=0):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self.node, self.index = node, index

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self.shape.rank

    def _layer_name(self):
        return self.node.layer.name if self.node is not None else "?"

    def __repr__(self):
        dims = None if self.shape.rank is None else tuple(self.shape.as_list())
        return (f"<KerasTensor: shape={dims} dtype={self.dtype.name} (created by layer "
                f"'{self._layer_name()}')>")

    def __bool__(self):
        raise TypeError("A KerasTensor is symbolic: it has no value to test. Build the "
                        "model, then call it on data (or use tf.cond inside a layer).")


class Node:
    """One recorded call of `layer` on KerasTensors, producing KerasTensors."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        self.layer, self.inputs, self.args, self.kwargs = layer, inputs, args, kwargs
        self.outputs = outputs
        self.order = next(_order)
        layer._inbound_nodes.append(self)

    def input_tensors(self):
        return [t for t in nest.flatten(self.inputs) if isinstance(t, KerasTensor)]


def has_keras_tensors(value) -> bool:
    return any(isinstance(t, KerasTensor) for t in nest.flatten(value))


def _trace(layer, inputs, args, kwargs):
    """The layer's outputs on placeholders shaped like `inputs` (builds its weights)."""
    graph = FuncGraph(f"{layer.name}_symbolic", lifts_variables=True)
    with graph.as_default():
        stand_ins = nest.map_structure(
            lambda t: placeholder(t.dtype, t.shape) if isinstance(t, KerasTensor) else t,
            inputs)
        outputs = layer(stand_ins, *args, **kwargs)
    return outputs


def symbolic_call(layer, inputs, args, kwargs):
    """Records `layer(inputs)` on KerasTensors and returns KerasTensors for its outputs."""
    traced = _trace(layer, inputs, args, kwargs)
    node = Node(layer, inputs, args, kwargs, None)
    flat = [KerasTensor(t.shape, t.dtype, name=f"{layer.name}/out{i}", node=node, index=i)
            for i, t in enumerate(nest.flatten(traced))]
    node.outputs = nest.pack_sequence_as(traced, flat)
    return node.outputs


def output_shape(layer, input_shape):
    """compute_output_shape by tracing: the output TensorShape(s) for `input_shape`."""
    shapes = input_shape if nest.is_nested(input_shape) and not all(
        isinstance(d, (int, type(None))) for d in input_shape) else [input_shape]
    specs = [KerasTensor(s) for s in shapes]
    traced = _trace(layer, specs[0] if len(specs) == 1 else specs, (), {})
    return nest.map_structure(lambda t: t.shape, traced)


class InputLayer(Layer):
    """The layer behind `tf.keras.Input`: it holds the input's KerasTensor."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None,
                 batch_input_shape=None, **kwargs):
        if batch_input_shape is None:
            batch_input_shape = (batch_size,) + tuple(input_shape or ())
        if name is None:  # Keras 2's names: input_1, input_2, ...
            from twinflow.keras.backend import get_uid
            name = f"input_{get_uid('input')}"
        super().__init__(name=name, dtype=dtype)
        self._batch_input_shape = tuple(batch_input_shape)
        self.built = True
        node = Node(self, None, (), {}, None)
        self.output = KerasTensor(self._batch_input_shape, self._dtype, name=self.name,
                                  node=node)
        node.outputs = self.output

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None,  # noqa: N802
          ragged=None, type_spec=None, batch_shape=None, **kwargs):
    """A symbolic model input: `tf.keras.Input(shape=(3,))` has shape (None, 3)."""
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_input_shape=batch_shape)
    return layer.output


def nodes_between(inputs, outputs):
    """The recorded nodes leading from `inputs` to `outputs`, in creation order.

    Raises:
        ValueError: an output depends on a KerasTensor that is not among the inputs.
    """
    known = {id(t) for t in nest.flatten(inputs)}
    found, stack = {}, [t for t in nest.flatten(outputs)]
    while stack:
        t = stack.pop()
        if id(t) in known:
            continue
        node = t.node
        if node is None or node.inputs is None:
            raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t!r}. "
                             "The following previous layers were accessed without issue: "
                             "the model's inputs must include every Input it uses.")
        if node.order not in found:
            found[node.order] = node
            stack.extend(node.input_tensors())
    return [found[k] for k in sorted(found)]
