"""Small datasets that ship with twinflow (no downloads, ever)."""

from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["load_spirals", "make_spirals"]


def make_spirals(points_per_class=100, classes=3, noise=0.2, seed=0):
    """Interleaved 2-D spirals, one arm per class (the classic CS231n toy problem).

    Returns:
        (features float32 [n, 2], labels int32 [n]).
    """
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, points_per_class)
        t = t + rng.standard_normal(points_per_class) * noise
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(points_per_class, c))
    return (np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int32))


def load_spirals():
    """The spirals shipped in spirals.csv (300 points, 3 classes): (features, labels)."""
    text = resources.files(__package__).joinpath("spirals.csv").read_text()
    table = np.loadtxt(text.splitlines(), delimiter=",", skiprows=1, dtype=np.float64)
    return table[:, :2].astype(np.float32), table[:, 2].astype(np.int32)
