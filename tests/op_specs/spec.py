"""Spec: one row of the op test table (forward vs numpy, inferred shapes, gradients)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


@dataclass
class Spec:
    """One op case.

    fn takes tensors and returns a tensor or a tuple/list of tensors; ref takes numpy
    arrays and returns the same structure. Inputs come from `inputs(rng)` when given,
    else from `shapes`/`dtype`/`domain`.
    """

    name: str
    fn: Callable
    ref: Callable
    shapes: list = field(default_factory=list)
    dtype: object = "float32"
    domain: tuple = (-2.0, 2.0)
    grad: bool = True
    grad2: bool = False
    inputs: Optional[Callable] = None
    rtol: float = 1e-5
    atol: float = 1e-6
    graph: bool = True      # also build it in a Graph and compare bit for bit
    dynamic: bool = True    # also with unknown dims (False where TF needs them static)

    def make_inputs(self, rng: np.random.Generator) -> list:
        if self.inputs is not None:
            return [np.asarray(a) if not isinstance(a, np.generic) else a
                    for a in self.inputs(rng)]
        dtypes = self.dtype if isinstance(self.dtype, (list, tuple)) else [self.dtype] * len(
            self.shapes)
        lo, hi = self.domain
        out = []
        for shape, dt in zip(self.shapes, dtypes):
            dt = np.dtype(dt)
            if dt.kind == "f":
                out.append(rng.uniform(lo, hi, size=shape).astype(dt))
            elif dt.kind in "iu":
                out.append(rng.integers(int(lo), int(hi), size=shape).astype(dt))
            elif dt.kind == "b":
                out.append(rng.random(size=shape) < 0.5)
            else:
                raise ValueError(f"Spec {self.name}: no generator for dtype {dt}")
        return out
