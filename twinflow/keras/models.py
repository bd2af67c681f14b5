"""Functional and Sequential models, and tf.keras.models helpers.

A Functional model replays the layer calls recorded between its Inputs and outputs; a
Sequential model applies its layers in order, and once it knows its input shape (an
`input_shape=` on the first layer, or an Input) it records them symbolically too, so
`summary()` can show every output shape.
"""

from __future__ import annotations

from engine import nest
from twinflow.keras.functional import Input, InputLayer, KerasTensor, nodes_between
from twinflow.keras.training import Model
from twinflow.keras.saving import (  # noqa: F401  (tf.keras.models' names)
    load_model, model_from_config, model_from_json, save_model)

__all__ = ["Functional", "Sequential", "Model", "clone_model", "load_model", "save_model",
           "model_from_config", "model_from_json"]


class Functional(Model):
    """`Model(inputs, outputs)`: a graph of layers between Keras Inputs and outputs."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._nodes = nodes_between(inputs, outputs)
        input_layers = [t.node.layer for t in nest.flatten(inputs)]
        self._layer_list = input_layers + [n.layer for n in self._nodes
                                           if all(n.layer is not x for x in input_layers)]
        self._layer_list = _unique(self._layer_list)
        self.built = True

    @property
    def inputs(self):
        return nest.flatten(self._inputs_struct)

    @property
    def outputs(self):
        return nest.flatten(self._outputs_struct)

    @property
    def layers(self):
        return list(self._layer_list)

    def _sublayers(self):
        return [layer for layer in self._layer_list if not isinstance(layer, InputLayer)]

    def call(self, inputs, training=None, mask=None):
        values = {}
        flat_inputs = nest.flatten(self._inputs_struct)
        given = nest.flatten(inputs) if nest.is_nested(inputs) else [inputs]
        if len(given) != len(flat_inputs):
            raise ValueError(f"Layer \"{self.name}\" expects {len(flat_inputs)} input(s), but "
                             f"it received {len(given)} input tensors.")
        for kt, tensor in zip(flat_inputs, given):
            values[id(kt)] = tensor
        for node in self._nodes:
            args = nest.map_structure(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, node.inputs)
            kwargs = dict(node.kwargs)
            if training is not None:
                kwargs.setdefault("training", training)
            out = node.layer(args, *node.args, **kwargs)
            for kt, tensor in zip(nest.flatten(node.outputs), nest.flatten(out)):
                values[id(kt)] = tensor
        return nest.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def get_config(self):
        from twinflow.keras.saving import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from twinflow.keras.model_config import model_from_config
        return model_from_config({"class_name": "Functional", "config": config},
                                 custom_objects)


class Sequential(Functional):
    """A plain stack of layers, each feeding the next.

    Args:
        layers: the layers, in order (more can be `add`ed).
    """

    def __init__(self, layers=None, name=None, **kwargs):
        Model.__init__(self, name=name, trainable=kwargs.pop("trainable", True))
        self._stack, self._input = [], None
        self._nodes, self._layer_list = [], []
        self.built = False
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Appends a layer (or an Input, which fixes the input shape).

        Raises:
            TypeError: not a layer.
        """
        if isinstance(layer, KerasTensor):
            self._input = layer
            self._rebuild()
            return
        from twinflow.keras.base_layer import Layer
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: "
                            f"layer={layer} of type {type(layer)}.")
        if isinstance(layer, InputLayer):
            self._input = layer.output
        else:
            self._stack.append(layer)
            if self._input is None and len(self._stack) == 1 and \
                    layer._batch_input_shape is not None:
                self._input = Input(batch_shape=layer._batch_input_shape)
        self._rebuild()

    def pop(self):
        """Removes the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        self._rebuild()

    def _rebuild(self):
        """Records the stack on the Input (when known): output shapes, built weights."""
        if self._input is None or not self._stack:
            self.built = bool(self._stack) and all(layer.built for layer in self._stack)
            return
        x = self._input
        for layer in self._stack:
            x = layer(x)
        self._inputs_struct, self._outputs_struct = self._input, x
        self._nodes = nodes_between(self._input, x)
        self.built = True

    def build(self, input_shape=None):
        if input_shape is not None and self._input is None:
            self._input = Input(batch_shape=tuple(input_shape))
            self._rebuild()
        self.built = True

    @property
    def layers(self):
        return list(self._stack)

    def _sublayers(self):
        return list(self._stack)

    def call(self, inputs, training=None, mask=None):
        if self._nodes and self._input is not None:
            return super().call(inputs, training=training)
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training) if training is not None else layer(x)
        return x

    def get_config(self):
        from twinflow.keras.model_config import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from twinflow.keras.model_config import model_from_config
        return model_from_config({"class_name": "Sequential", "config": config},
                                 custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model of the same architecture with freshly initialized weights."""
    from twinflow.keras.model_config import clone_model as clone
    return clone(model, input_tensors, clone_function)


def _unique(items):
    out = []
    for item in items:
        if all(item is not o for o in out):
            out.append(item)
    return out
