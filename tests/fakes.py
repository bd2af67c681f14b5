"""Stand-ins for graph objects, so infer and gradient functions can be tested alone."""

from engine.shapes import TensorShape


class FakeOp:
    """The smallest object a gradient function accepts as its `op`."""

    def __init__(self, inputs, outputs=(), opdef=None, **attrs):
        self._opdef, self.inputs, self.outputs, self._attrs = opdef, inputs, outputs, attrs

    def get_attr(self, name):
        return self._attrs[name]


class Sym:
    """A graph tensor as `infer` sees it: dtype, static shape, a value only if known."""

    def __init__(self, dtype, shape, value=None):
        self.dtype, self.shape, self._value = dtype, TensorShape(shape), value

    def _static_value(self):
        return self._value
