"""compile's loss and metric containers, as Keras 2's engine/compile_utils.py does them.

A model's outputs have names: the output layers' names for a functional model (the dict
keys when its outputs are a dict), `output_1, output_2, ...` for a subclassed one. A
dict of losses, metrics, loss weights, targets or sample weights is matched to the
outputs BY NAME; a list, positionally; a single value (or a flat list of metrics) is
broadcast to every output. With several outputs each output gets its own loss tracker
(`<output>_loss`) and its own metric objects (`<output>_<metric>`).

The reported losses are per-sample averages: each batch's loss enters its `Mean` with
weight = the batch size, so a short last batch counts for what it holds. Sample weights
(and class weights, which arrive as sample weights) weight the loss and the
`weighted_metrics` only; plain `metrics` are unweighted.
"""

from __future__ import annotations

from engine import nest
from engine.ops import array
from twinflow.keras import losses as losses_mod
from twinflow.keras import metrics as metrics_mod

__all__ = ["LossesContainer", "MetricsContainer", "conform", "model_output_names",
           "pseudo_output_names"]


def model_output_names(outputs):
    """A functional model's output names: the dict keys (sorted, the order its outputs
    flatten in), else the output layers' names made unique (`dense`, `dense_1`)."""
    if isinstance(outputs, dict) and not any(nest.is_nested(v) for v in outputs.values()):
        return [str(k) for k in _sorted(outputs)]
    names, seen, counts = [], set(), {}
    for i, tensor in enumerate(nest.flatten(outputs)):
        node = getattr(tensor, "node", None)
        base = proposal = node.layer.name if node is not None else f"output_{i + 1}"
        while proposal in seen:  # one layer giving two outputs: Keras 2's suffixes
            counts[base] = counts.get(base, 1)
            proposal = f"{base}_{counts[base]}"
            counts[base] += 1
        seen.add(proposal)
        names.append(proposal)
    return names


def pseudo_output_names(outputs):
    """A subclassed model's output names (Keras 2): `output_1`, ... for a single output or
    a list; the keys (joined by `_` where nested) for a dict."""
    def paths(value, prefix):
        if isinstance(value, dict):
            return [p for k in _sorted(value) for p in paths(value[k], prefix + [str(k)])]
        if nest.is_nested(value):
            return [p for i, v in enumerate(value) for p in paths(v, prefix + [i + 1])]
        return [prefix]
    names = []
    for path in paths(outputs, []):
        name = "_".join(str(p) for p in path) or "1"
        names.append(f"output_{name}" if not path or isinstance(path[0], int) else name)
    return names


def _sorted(mapping):
    return nest._sorted_keys(mapping)


def conform(struct, names, what="targets"):
    """`struct` as one entry per output: a dict by output name (missing names -> None), a
    list or tuple by position, anything else repeated for every output.

    Raises:
        ValueError: a dict key that names no output, or a list of the wrong length.
    """
    if isinstance(struct, dict):
        unknown = [k for k in struct if k not in names]
        if unknown:
            raise ValueError(f"Found unexpected {what} that do not correspond to any Model "
                             f"output: {unknown}. Valid model output names: {names}.")
        return [struct.get(name) for name in names]
    if struct is None or not nest.is_nested(struct):
        return [struct] * len(names)
    if len(names) == 1 and len(struct) != 1:
        return [struct]
    if len(struct) != len(names):
        raise ValueError(f"The model has {len(names)} outputs {names}, but {len(struct)} "
                         f"{what} were given. Give one per output (a list in the outputs' "
                         "order, or a dict keyed by output name).")
    return list(struct)


def _batch_size(y_true):
    """The batch dimension as a tensor: the weight a batch's mean loss gets."""
    return array.shape(y_true)[0]


class LossesContainer:
    """The compiled loss: per output, loss(y_true, y_pred, sample_weight) times its loss
    weight, summed, plus the regularization losses. Updates the `loss` tracker (and each
    output's `<output>_loss` when there are several) with weight = batch size."""

    def __init__(self, losses, loss_weights=None, output_names=None):
        self._user_losses, self._weights = losses, loss_weights
        self._output_names = output_names
        self._loss_metric = metrics_mod.Mean(name="loss")
        self._losses, self._loss_weights, self._per_output_metrics = [], [], []
        self.built = False

    def build(self, y_pred):
        """Resolves the losses and weights per output (once, from the outputs' structure)."""
        names = self._output_names or pseudo_output_names(y_pred)
        self._output_names = names
        losses = self._user_losses
        self._losses = [None if fn is None else losses_mod.get(fn)
                        for fn in conform(losses, names, "losses")]
        self._loss_weights = conform(self._weights, names, "loss weights")
        self._per_output_metrics = [
            metrics_mod.Mean(name=f"{name}_loss") if fn is not None and len(names) > 1
            else None for name, fn in zip(names, self._losses)]
        self.built = True

    @property
    def metrics(self):
        """The `loss` tracker, then each output's loss tracker."""
        return [self._loss_metric] + [m for m in self._per_output_metrics if m is not None]

    def first(self):
        """The first output's loss object (what "accuracy" consults with unknown shapes)."""
        if self.built:
            return next((fn for fn in self._losses if fn is not None), None)
        first = nest.flatten(self._user_losses)[0] if self._user_losses is not None else None
        return None if first is None else losses_mod.get(first)

    def loss_for(self, index):
        return self._losses[index] if self.built and index < len(self._losses) else None

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=()):
        if not self.built:
            self.build(y_pred)
        names = self._output_names
        targets = conform(y_true, names)
        weights = conform(sample_weight, names, "sample weights")
        total = batch = None
        outputs = zip(targets, _flat(y_pred, names), weights, self._losses,
                      self._loss_weights, self._per_output_metrics)
        for y_t, y_p, sw, fn, loss_weight, tracker in outputs:
            if y_t is None or fn is None:  # an output may have no loss
                continue
            y_t, y_p, sw = losses_mod.match_dtype_and_rank(y_t, y_p, sw)
            value = fn(y_t, y_p, sw)
            batch = _batch_size(y_t) if batch is None else batch
            if tracker is not None:
                tracker.update_state(value, sample_weight=batch)
            if loss_weight is not None:
                value = value * float(loss_weight)
            total = value if total is None else total + value
        for reg in regularization_losses or ():
            total = reg if total is None else total + reg
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        self._loss_metric.update_state(total, sample_weight=batch)
        return total


def _flat(y_pred, names):
    flat = nest.flatten(y_pred)
    if len(flat) != len(names):
        raise ValueError(f"The model returned {len(flat)} outputs but was compiled for "
                         f"{len(names)} {names}.")
    return flat


class MetricsContainer:
    """The compiled metrics, per output: `metrics` get no sample weight, `weighted_metrics`
    get the sample (or class) weights. Names follow Keras 2's `_set_metric_names`."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None,
                 loss_for=None):
        self._user_metrics, self._user_weighted = metrics, weighted_metrics
        self._output_names = output_names
        self._loss_for = loss_for or (lambda index: None)  # hints "accuracy"'s variant
        objects = [m for m in nest.flatten(metrics) + nest.flatten(weighted_metrics)
                   if isinstance(m, metrics_mod.Metric)]
        if len({id(m) for m in objects}) < len(objects):  # one state updated twice
            raise ValueError("Found duplicated metrics object in the user provided metrics "
                             "and weighted metrics. This will cause the same metric object "
                             "to be updated multiple times, and report wrong results.")
        self._metrics, self._weighted, self._in_order = [], [], []
        self.built = False

    def build(self, y_pred):
        """Makes each output's Metric objects and names them (once)."""
        names = self._output_names or pseudo_output_names(y_pred)
        self._output_names = names
        self._metrics = _metric_objects(self._user_metrics, names, self._loss_for)
        self._weighted = _metric_objects(self._user_weighted, names, self._loss_for)
        _set_metric_names(names, self._metrics, self._weighted)
        self._in_order = [m for plain, weighted in zip(self._metrics, self._weighted)
                          for m in plain + weighted]
        self.built = True

    @property
    def metrics(self):
        return list(self._in_order)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_pred)
        if not self._in_order or y_true is None:
            return
        names = self._output_names
        targets = conform(y_true, names)
        weights = conform(sample_weight, names, "sample weights")
        outputs = zip(targets, _flat(y_pred, names), weights, self._metrics, self._weighted)
        for y_t, y_p, sw, plain, weighted in outputs:
            if y_t is None or not (plain or weighted):
                continue
            y_t, y_p, sw = losses_mod.match_dtype_and_rank(y_t, y_p, sw)
            for metric in plain:
                metric.update_state(y_t, y_p)
            for metric in weighted:
                metric.update_state(y_t, y_p, sw)


def _should_broadcast(metrics):
    """'mse' or ['mse', 'mae'] apply to every output; [['mse'], ['acc']] is per output."""
    return not nest.is_nested(metrics) or (
        isinstance(metrics, (list, tuple)) and not any(nest.is_nested(m) for m in metrics))


def _metric_objects(metrics, names, loss_for):
    """One list of Metric objects per output (each output its own copies)."""
    if metrics is None:
        return [[] for _ in names]
    if _should_broadcast(metrics):
        wanted = [list(nest.flatten(metrics))] * len(names)
        copy = len(names) > 1
    else:
        wanted = [[] if m is None else nest.flatten(m)
                  for m in conform(metrics, names, "metrics")]
        copy = False
    return [[_metric(m, loss_for(i), copy) for m in per if m is not None]
            for i, per in enumerate(wanted)]


def _metric(identifier, loss, copy):
    if copy and isinstance(identifier, metrics_mod.Metric):
        return type(identifier).from_config(identifier.get_config())
    return metrics_mod.get(identifier, loss)


def _rename(metric, name):
    metric._name = metric._scope_name = name


def _set_metric_names(names, metrics, weighted):
    """Keras 2: `<output>_` in front with several outputs; a weighted metric whose name an
    unweighted one already has becomes `weighted_<name>` (`<output>_weighted_<name>`).

    Raises:
        ValueError: two metrics with the same name.
    """
    seen, multi = set(), len(names) > 1
    for name, plain, weights in zip(names, metrics, weighted):
        for m in plain:
            if multi:
                _rename(m, f"{name}_{m.name}")
            _claim(seen, m.name)
        for m in weights:
            if multi:
                dup = f"{name}_{m.name}" in seen
                _rename(m, f"{name}_weighted_{m.name}" if dup else f"{name}_{m.name}")
            elif m.name in seen:
                _rename(m, f"weighted_{m.name}")
            _claim(seen, m.name)


def _claim(seen, name):
    if name in seen:
        raise ValueError(f"Found two metrics with the same name: {name}. All the metrics "
                         "added to the model need to have unique names.")
    seen.add(name)
