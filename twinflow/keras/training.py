"""tf.keras.Model: compile, fit, evaluate and predict over one step function per task.

`train_step`, `test_step` and `predict_step` are plain TF2 code (a GradientTape, the
optimizer, the metrics). fit_engines runs them eagerly, compiled with tf.function (the
default), or — with eager execution disabled — built once into the default graph and
run in the Keras Session; the same ops run in the same order, so the three give the
same `history.history`, bit for bit.
"""

from __future__ import annotations

import numpy as np

from engine import context, nest
from eager.tape import GradientTape
from twinflow.keras import callbacks as cbks
from twinflow.keras import losses as losses_mod
from twinflow.keras import metrics as metrics_mod
from twinflow.keras import optimizers
from twinflow.keras.base_layer import Layer
from twinflow.keras.data_adapter import make_data, split_validation, unpack
from twinflow.keras.fit_engines import make_engine

__all__ = ["Model"]


class Model(Layer):
    """Groups layers into an object with training and inference features.

    `Model(inputs, outputs)` builds a functional model; subclass and define `call` for
    a subclassed one.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs):
            from twinflow.keras.models import Functional
            return Functional(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        name, trainable = kwargs.pop("name", None), kwargs.pop("trainable", True)
        super().__init__(name=name, trainable=trainable)
        self.optimizer = self.compiled_loss = None
        self._compiled_metrics, self._loss_tracker = [], None
        self._output_loss_trackers, self._metric_outputs = [], []
        self.stop_training, self.history = False, None
        self._run_eagerly, self._engines = False, {}

    @property
    def layers(self):
        return self._sublayers()

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    # -- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, **kwargs):
        """Sets the optimizer, loss and metrics (objects or names) for fit/evaluate."""
        self.optimizer = optimizers.get(optimizer)
        self._compile_config = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                                "run_eagerly": run_eagerly}  # what model.save records
        self.compiled_loss = _LossContainer(loss, loss_weights)
        self._loss_tracker = metrics_mod.Mean(name="loss")
        # several outputs: Keras 2 also reports each output's loss ("<output>_loss")
        names = self._output_names() if nest.is_nested(loss) else []
        self._output_loss_trackers = [metrics_mod.Mean(name=f"{n}_loss") for n in names]
        self._compiled_metrics, self._metric_outputs = self._make_metrics(metrics, names)
        self._run_eagerly = bool(run_eagerly)
        self._engines = {}

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly, self._engines = bool(value), {}

    @property
    def metrics(self):
        """The loss tracker, each output's loss tracker, then the compiled metrics."""
        return ([self._loss_tracker] if self._loss_tracker is not None else []) + \
            list(self._output_loss_trackers) + list(self._compiled_metrics)

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def _require_compiled(self, what):
        if self.compiled_loss is None:
            raise RuntimeError(f"You must compile your model before {what}. Use "
                               "`model.compile(optimizer, loss)`.")

    # -- the steps ---------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        return self.compiled_loss(y, y_pred, sample_weight, self.losses)

    def train_step(self, data):
        """One optimization step on a batch; returns the metrics' running results."""
        x, y, sample_weight = unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_metrics(loss, y, y_pred, sample_weight)

    def test_step(self, data):
        """The loss and metrics of a batch (no update of the weights)."""
        x, y, sample_weight = unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        return self._update_metrics(loss, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack(data)
        return self(x, training=False)

    def _make_metrics(self, metrics, output_names):
        """(metrics, the output index each reads or None): with several outputs, Keras 2
        gives each output its own copy of a listed metric, named `<output>_<metric>`
        (a dict picks metrics per output name)."""
        if not output_names:
            return [metrics_mod.get(m, self.compiled_loss.first())
                    for m in nest.flatten(metrics or [])], []
        if isinstance(metrics, dict):
            per_output = [list(nest.flatten(metrics.get(n, []))) for n in output_names]
        else:
            per_output = [list(nest.flatten(metrics or []))] * len(output_names)
        losses = nest.flatten(self.compiled_loss._losses)
        made, where = [], []
        for i, (name, wanted) in enumerate(zip(output_names, per_output)):
            for m in wanted:
                metric = metrics_mod.get(m, losses[i] if i < len(losses) else None)
                metric._name = metric._scope_name = f"{name}_{metric.name}"
                made.append(metric)
                where.append(i)
        return made, where

    def _output_names(self):
        outputs = getattr(self, "_outputs_struct", None)
        if outputs is None or not nest.is_nested(outputs):
            return []
        return [t.node.layer.name if t.node is not None else f"output_{i + 1}"
                for i, t in enumerate(nest.flatten(outputs))]

    def _update_metrics(self, loss, y, y_pred, sample_weight):
        self._loss_tracker.update_state(loss)
        for tracker, term in zip(self._output_loss_trackers, self.compiled_loss.terms):
            tracker.update_state(term)
        if self._metric_outputs:  # one output each
            ys, preds = nest.flatten(y), nest.flatten(y_pred)
            for metric, i in zip(self._compiled_metrics, self._metric_outputs):
                yt, yp, sw = losses_mod.match_dtype_and_rank(ys[i], preds[i], sample_weight)
                metric.update_state(yt, yp, sw)
            return {m.name: m.result() for m in self.metrics}
        if self._compiled_metrics and y is not None and not nest.is_nested(y_pred):
            y, y_pred, sample_weight = losses_mod.match_dtype_and_rank(y, y_pred, sample_weight)
        for metric in self._compiled_metrics:
            metric.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def _engine(self, kind):
        key = (kind, context.executing_eagerly(), self._run_eagerly)
        engine = self._engines.get(key)
        if engine is None:
            step = {"train": self.train_step, "test": self.test_step,
                    "predict": self.predict_step}[kind]
            engine = self._engines[key] = make_engine(step, self._run_eagerly)
        return engine

    # -- fit ------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Trains for `epochs` epochs; returns the History (per-epoch logs)."""
        self._require_compiled("training it")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_validation(
                x, y, sample_weight, validation_split)
        data = make_data(x, y, sample_weight, batch_size, shuffle, class_weight,
                         steps_per_epoch)
        verbose = 1 if verbose == "auto" else verbose
        history = cbks.History()  # last, as in Keras 2: it records what callbacks add
        callback_list = ([cbks.ProgbarLogger()] if verbose else []) + \
            list(callbacks or []) + [history]
        run = cbks.CallbackList(callback_list, self, {"epochs": epochs, "steps": data.steps,
                                                      "verbose": verbose})
        self.stop_training = False
        run.call("on_train_begin")
        engine = self._engine("train")
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            run.call("on_epoch_begin", epoch)
            logs = {}
            for step, batch in enumerate(data.batches()):
                run.call("on_train_batch_begin", step)
                logs = _floats(engine(batch))
                run.call("on_train_batch_end", step, logs)
                if self.stop_training:
                    break
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val = self.evaluate(*_validation(validation_data),
                                    batch_size=validation_batch_size or batch_size,
                                    steps=validation_steps, verbose=0, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            run.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        run.call("on_train_end")
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over the data (a scalar if there are no metrics)."""
        self._require_compiled("evaluating it")
        data = make_data(x, y, sample_weight, batch_size, False, None, steps)
        self.reset_metrics()
        engine, logs = self._engine("test"), {}
        for batch in data.batches():
            logs = _floats(engine(batch))
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """The model's outputs on x, batch by batch, concatenated (numpy)."""
        data = make_data(x, None, None, batch_size, False, None, steps)
        engine = self._engine("predict")
        outputs = [engine(batch) for batch in data.batches()]
        return nest.map_structure(lambda *parts: np.concatenate(parts), *outputs) \
            if len(outputs) > 1 else outputs[0]

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._require_compiled("training it")
        self.reset_metrics()
        logs = _floats(self._engine("train")(make_data(x, y, sample_weight, len(
            nest.flatten(x)[0]), False, class_weight).batches().__next__()))
        return logs if return_dict else _values(self, logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self.reset_metrics()
        logs = _floats(self._engine("test")(next(make_data(x, y, sample_weight, len(
            nest.flatten(x)[0])).batches())))
        return logs if return_dict else _values(self, logs)

    def predict_on_batch(self, x):
        return self._engine("predict")(next(make_data(x, batch_size=len(
            nest.flatten(x)[0])).batches()))

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    # -- inspection and saving ----------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        """Keras's table of layers, output shapes and parameter counts."""
        from twinflow.keras.summary import summary_text
        (print_fn or print)(summary_text(self))

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        from twinflow.keras.saving import save_weights
        save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, options=None):
        from twinflow.keras.saving import load_weights
        load_weights(self, filepath)

    def save(self, filepath, overwrite=True, save_format=None, **kwargs):
        from twinflow.keras.saving import save_model
        save_model(self, filepath, overwrite, save_format=save_format, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional model from its config (Keras 2's Model.from_config); subclasses
        are made with cls(**config)."""
        if "input_layers" in config and "layers" in config:
            from twinflow.keras.model_config import model_from_config
            return model_from_config({"class_name": "Functional", "config": config},
                                     custom_objects)
        return cls(**config)

    def to_json(self, **kwargs):
        """The architecture as JSON (Keras 2's {"class_name", "config", ...})."""
        from twinflow.keras.saving import model_to_json
        return model_to_json(self, **kwargs)


class _LossContainer:
    """The compiled loss(es): one for a single output, or per output (list or dict),
    weighted and summed, plus the layers' regularization losses."""

    def __init__(self, loss, loss_weights):
        self._structure = loss
        self._losses = nest.map_structure(losses_mod.get, loss) if loss is not None else None
        self._weights = loss_weights
        self.terms = []  # the last call's per-output losses (unweighted), for the trackers

    def first(self):
        return nest.flatten(self._losses)[0] if self._losses is not None else None

    def __call__(self, y_true, y_pred, sample_weight, regularization_losses=()):
        if self._losses is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if not nest.is_nested(self._losses):
            y_true, y_pred, sample_weight = losses_mod.match_dtype_and_rank(
                y_true, y_pred, sample_weight)
            total = self._losses(y_true, y_pred, sample_weight)
        else:
            pairs = zip(nest.flatten(self._losses), nest.flatten(y_true),
                        nest.flatten(y_pred))
            weights = nest.flatten(self._weights) if self._weights is not None else None
            total, self.terms = None, []
            for i, (fn, yt, yp) in enumerate(pairs):
                yt, yp, sw = losses_mod.match_dtype_and_rank(yt, yp, sample_weight)
                term = fn(yt, yp, sw)
                self.terms.append(term)
                if weights is not None:
                    term = term * float(weights[i])
                total = term if total is None else total + term
        for reg in regularization_losses:
            total = total + reg
        return total


def _validation(validation_data):
    if isinstance(validation_data, tuple):
        return validation_data[:2] if len(validation_data) >= 2 else (validation_data[0],)
    return (validation_data,)


def _floats(logs):
    return {k: float(np.asarray(v)) for k, v in logs.items()}


def _values(model, logs):
    values = [logs[name] for name in model.metrics_names]
    return values[0] if len(values) == 1 else values
