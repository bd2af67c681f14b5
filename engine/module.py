"""tf.Module: a named container that finds the variables and modules it holds.

Attributes are walked in sorted name order (as TensorFlow does), through nested lists,
tuples and dicts, so `variables` is deterministic and each object appears once.
"""

from __future__ import annotations

import re

from engine import context, nest

__all__ = ["Module"]


def _camel_to_snake(name: str) -> str:
    """MyMLP -> my_mlp, DenseLayer -> dense_layer (TensorFlow's rule for module names)."""
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


class Module:
    """Base class for models and layers: tracks variables and submodules by attribute.

    Args:
        name: the module's name (default: the class name in snake_case); must be a
            valid Python identifier.
    """

    def __init__(self, name=None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not name.isidentifier():
            raise ValueError(f"'{name}' is not a valid module name. Module names must be "
                             "valid Python 3 identifiers.")
        self._name = name
        self._scope_name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self):
        """A `tf.name_scope` named after this module, for the ops it builds."""
        return context.name_scope(self._scope_name)

    def _flatten(self, predicate, recursive=True):
        """Objects under this module's attributes matching `predicate`, once each."""
        from engine.variables import Variable  # noqa: F401 - keeps import order simple
        seen, out = {id(self)}, []
        queue = [self]
        while queue:
            module = queue.pop(0)
            for key in sorted(vars(module)):
                if key.startswith("_") and key in ("_name", "_scope_name"):
                    continue
                for leaf in nest.flatten(vars(module)[key]):
                    if id(leaf) in seen:
                        continue
                    seen.add(id(leaf))
                    if predicate(leaf):
                        out.append(leaf)
                    if recursive and isinstance(leaf, Module):
                        queue.append(leaf)
        return out

    @property
    def variables(self):
        """Every tf.Variable held by this module and its submodules."""
        from engine.variables import Variable
        return tuple(self._flatten(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self):
        """The trainable variables among `variables`."""
        return tuple(v for v in self.variables if v.trainable)

    @property
    def non_trainable_variables(self):
        return tuple(v for v in self.variables if not v.trainable)

    @property
    def submodules(self):
        """Every Module reachable from this one's attributes (not including itself)."""
        return tuple(self._flatten(lambda x: isinstance(x, Module)))

    @classmethod
    def with_name_scope(cls, method):
        """Decorates a method to run inside the module's name scope."""
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        wrapped.__name__ = method.__name__
        wrapped.__doc__ = method.__doc__
        return wrapped

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object named {self._name!r}>"
