"""Resources: handles, and the stores that hold what the handles point at.

A variable (later a lookup table or an iterator) is a handle plus a value kept in a
ResourceStore. Eagerly there is one store for the process; in graph mode each Session
owns one, so two Sessions over one graph hold independent values. Kernels of stateful
ops receive the store explicitly and never reach for a global.
"""

from __future__ import annotations

import itertools

import numpy as np

from engine.dtypes import RESOURCE_TAG

__all__ = ["ResourceHandle", "ResourceStore"]

_ids = itertools.count(1)


class ResourceHandle:
    """Names one resource: `key` is unique in the process; `name` is for messages."""

    __slots__ = ("key", "name", "kind", "dtype_hint", "shape_hint")
    dtype = RESOURCE_TAG
    shape = ()
    ndim = 0

    def __init__(self, name: str, kind: str = "variable", dtype_hint=None, shape_hint=None):
        self.key = f"{name}#{next(_ids)}"
        self.name = name
        self.kind = kind
        self.dtype_hint = dtype_hint  # the DType of the value behind the handle
        self.shape_hint = shape_hint  # its static TensorShape

    def __repr__(self):
        return f"<ResourceHandle {self.kind} {self.name!r}>"


class ResourceStore:
    """The values behind handles, plus random generator state, for one executor."""

    def __init__(self):
        self.values: dict = {}       # handle key -> numpy array (never mutated in place)
        self.generators: dict = {}   # (seed, seed2) -> numpy Generator
        self.objects: dict = {}      # handle key -> table, iterator, ... (later issues)

    def generator(self, seed: int, seed2: int) -> np.random.Generator:
        """The generator of one random op's (seed, seed2): later draws continue it."""
        gen = self.generators.get((seed, seed2))
        if gen is None:
            gen = np.random.Generator(np.random.Philox(key=[seed & (2 ** 64 - 1),
                                                            seed2 & (2 ** 64 - 1)]))
            self.generators[(seed, seed2)] = gen
        return gen
