"""FakeOp: the smallest object a gradient function accepts as its `op`."""


class FakeOp:
    def __init__(self, inputs, outputs=(), opdef=None, **attrs):
        self._opdef, self.inputs, self.outputs, self._attrs = opdef, inputs, outputs, attrs

    def get_attr(self, name):
        return self._attrs[name]
