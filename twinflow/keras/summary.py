"""model.summary(): Keras 2's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import numpy as np

from engine import nest

__all__ = ["summary_text"]

_WIDTHS = (29, 26, 10)


def _output_shape(layer):
    nodes = getattr(layer, "_inbound_nodes", [])
    if not nodes:
        return "multiple" if layer.built else "(unbuilt)"
    shapes = [tuple(t.shape.as_list()) if t.shape.rank is not None else "?"
              for t in nest.flatten(nodes[-1].outputs)]
    if len(shapes) == 1:
        return str(shapes[0]).replace(",)", ")")
    return str(shapes)


def _params(variables):
    return int(sum(np.prod(v.shape.as_list()) for v in variables))


def _size(count, itemsize=4):
    size = count * itemsize
    for unit in ("Byte", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024


def _row(cells):
    """One table row; a cell too wide for its column wraps onto more lines (Keras 2)."""
    widths = [w - 2 for w in _WIDTHS]
    pieces = [[c[i:i + w] for i in range(0, max(len(c), 1), w)] for c, w in
              zip(cells, widths)]
    lines = []
    for k in range(max(len(p) for p in pieces)):
        parts = [p[k] if k < len(p) else "" for p in pieces]
        lines.append("".join(f" {c:<{w - 1}}" for c, w in zip(parts, _WIDTHS))
                     .rstrip().ljust(65))
    return "\n".join(lines)


def summary_text(model):
    """The summary as text (what summary() prints)."""
    lines = [f'Model: "{model.name}"', "_" * 65,
             _row(["Layer (type)", "Output Shape", "Param #"]), "=" * 65]
    layers = model.layers
    for i, layer in enumerate(layers):
        lines.append(_row([f"{layer.name} ({type(layer).__name__})", _output_shape(layer),
                           str(layer.count_params())]))
        lines.append(" " * 65 if i < len(layers) - 1 else "")
    if lines[-1] == "":
        lines.pop()
    trainable = _params(model.trainable_weights)
    frozen = _params(model.non_trainable_weights)
    total = trainable + frozen
    lines += ["=" * 65, f"Total params: {total} ({_size(total)})",
              f"Trainable params: {trainable} ({_size(trainable)})",
              f"Non-trainable params: {frozen} ({_size(frozen)})", "_" * 65]
    return "\n".join(lines)
