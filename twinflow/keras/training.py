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
from twinflow.keras import compile_utils, optimizers
from twinflow.keras.base_layer import Layer
from twinflow.keras.data_adapter import make_data, split_validation, unpack, whole_batch
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
        """Sets the optimizer, loss and metrics (objects or names) for fit/evaluate.

        Per-output losses, loss weights and metrics may be dicts keyed by output name
        (see compile_utils); `weighted_metrics` are the metrics that see sample weights.
        """
        self.optimizer = optimizers.get(optimizer)
        self._compile_config = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                                "weighted_metrics": weighted_metrics,
                                "run_eagerly": run_eagerly}  # what model.save records
        names = self._output_names()
        self.compiled_loss = compile_utils.LossesContainer(loss, loss_weights, names)
        self.compiled_metrics = compile_utils.MetricsContainer(
            metrics, weighted_metrics, names, self.compiled_loss.loss_for)
        if names:  # a functional model: its outputs are known, so build now (Keras 2
            outputs = self._outputs_struct  # builds at the first step, from y_pred)
            self.compiled_loss.build(outputs)
            self.compiled_metrics.build(outputs)
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
        compiled = [] if self.compiled_loss is None else (
            self.compiled_loss.metrics + self.compiled_metrics.metrics)
        return compiled + [m for m in self._attribute_metrics()  # a user's own, as Keras 2
                           if all(m is not c for c in compiled)]

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def _require_compiled(self, what):
        if self.compiled_loss is None:
            raise RuntimeError(f"You must compile your model before {what}. Use "
                               "`model.compile(optimizer, loss)`.")

    # -- the steps ---------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The total loss to minimize (it also updates the loss trackers, as Keras 2)."""
        return self.compiled_loss(y, y_pred, sample_weight, self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight):
        """Updates the compiled metrics; returns every metric's running result."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        """One optimization step on a batch; returns the metrics' running results."""
        x, y, sample_weight = unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """The loss and metrics of a batch (no update of the weights)."""
        x, y, sample_weight = unpack(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack(data)
        return self(x, training=False)

    def _output_names(self):
        """The output names of a functional model (None while unknown: subclassed)."""
        outputs = getattr(self, "_outputs_struct", None)
        return None if outputs is None else compile_utils.model_output_names(outputs)

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
        x, y = _unwrap(self, x, y)
        if validation_split:
            _check_split(x, validation_split)
            if validation_data is None:
                (x, y, sample_weight), validation_data = split_validation(
                    x, y, sample_weight, validation_split)
        data = make_data(x, y, sample_weight, batch_size, shuffle, class_weight,
                         steps_per_epoch)
        data.epochs = epochs - initial_epoch
        history = cbks.History()  # last, as in Keras 2: it records what callbacks add
        run = _callback_list(self, list(callbacks or []) + [history], verbose, data.steps,
                             epochs)
        self.stop_training, logs = False, None
        run.call("on_train_begin")
        engine = self._engine("train")
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            run.call("on_epoch_begin", epoch)
            epoch_logs = self._train_epoch(engine, data, run)
            if epoch_logs is None:
                if getattr(data, "exhausted", False):
                    break  # a kept iterator ran out at the start of this epoch
                raise ValueError(_EMPTY.format("train_function", "logs"))
            logs = epoch_logs
            if validation_data is not None and _should_eval(epoch, validation_freq):
                vx, vy, vsw = _validation_args(validation_data)
                val = self.evaluate(vx, vy, batch_size=validation_batch_size or batch_size,
                                    sample_weight=vsw, steps=validation_steps, verbose=0,
                                    callbacks=run, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            run.call("on_epoch_end", epoch, logs)
            if self.stop_training or getattr(data, "exhausted", False):
                break
        if epochs > initial_epoch and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_variables)  # EMA copy
        run.call("on_train_end", logs if logs is not None else {})  # Keras 2: the last logs
        self.history = history
        return history

    def _train_epoch(self, engine, data, run):
        """One epoch of train steps: the last step's logs, None if there was no batch."""
        logs = None
        for step, batch in enumerate(data.batches()):
            if step == 0:
                _check_targets(self, batch)
            run.call("on_train_batch_begin", step)
            logs = _floats(engine(batch))
            run.call("on_train_batch_end", step, logs)
            if self.stop_training:
                break
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over the data (a scalar if there are no metrics).

        `callbacks` get the on_test_* hooks; fit passes its own CallbackList here."""
        self._require_compiled("evaluating it")
        x, y = _unwrap(self, x, y)
        data = make_data(x, y, sample_weight, batch_size, False, None, steps)
        run = _callback_list(self, callbacks, verbose, data.steps)
        self.reset_metrics()
        engine, logs = self._engine("test"), {}
        run.call("on_test_begin")
        for step, batch in enumerate(data.batches()):
            run.call("on_test_batch_begin", step)
            logs = _floats(engine(batch))
            run.call("on_test_batch_end", step, logs)
        run.call("on_test_end", logs)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """The model's outputs on x, batch by batch, concatenated (numpy)."""
        x, _ = _unwrap(self, x, None)
        data = make_data(x, None, None, batch_size, False, None, steps)
        run = _callback_list(self, callbacks, verbose, data.steps)
        engine, outputs = self._engine("predict"), []
        run.call("on_predict_begin")
        for step, batch in enumerate(data.batches()):
            run.call("on_predict_batch_begin", step)
            outputs.append(engine(batch))
            run.call("on_predict_batch_end", step, {"outputs": outputs[-1]})
        run.call("on_predict_end")
        if not outputs:
            raise ValueError(_EMPTY.format("predict_function", "batch_outputs"))
        return nest.map_structure(lambda *parts: np.concatenate(parts), *outputs) \
            if len(outputs) > 1 else outputs[0]

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One train step on exactly this batch (metrics reset first, as in Keras 2)."""
        self._require_compiled("training it")
        x, y = _unwrap(self, x, y)
        batch = whole_batch(x, y, sample_weight, class_weight)
        _check_targets(self, batch)
        self.reset_metrics()
        logs = _floats(self._engine("train")(batch))
        return logs if return_dict else _values(self, logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("evaluating it")
        x, y = _unwrap(self, x, y)
        self.reset_metrics()
        logs = _floats(self._engine("test")(whole_batch(x, y, sample_weight)))
        return logs if return_dict else _values(self, logs)

    def predict_on_batch(self, x):
        x, _ = _unwrap(self, x, None)
        return self._engine("predict")(whole_batch(x))

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


_EMPTY = ("Unexpected result of `{}` (Empty {}). This could be due to issues in input "
          "pipeline that resulted in an empty dataset. Otherwise, please use "
          "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` "
          "for more information of where went wrong, or file a issue/bug to `tf.keras`.")


def _callback_list(model, callbacks, verbose, steps, epochs=1):
    """Keras 2's CallbackList for one fit/evaluate/predict: the progress bar first unless
    verbose=0 (or one was given); a CallbackList (fit's, for validation) is reused."""
    if isinstance(callbacks, cbks.CallbackList):
        return callbacks
    verbose = 1 if verbose == "auto" else verbose
    callbacks = list(callbacks or [])
    if verbose and not any(isinstance(cb, cbks.ProgbarLogger) for cb in callbacks):
        callbacks.insert(0, cbks.ProgbarLogger())
    return cbks.CallbackList(callbacks, model, {"verbose": verbose, "epochs": epochs,
                                                "steps": steps})


def _unwrap(model, x, y):
    """Keras 2 takes `[x]` and `[y]` (one-element lists) for one input and one output."""
    def single(value):  # an array or tensor of samples, not a one-sample list
        return isinstance(value, (list, tuple)) and len(value) == 1 and \
            len(getattr(value[0], "shape", ())) >= 1
    if single(x) and not nest.is_nested(getattr(model, "_inputs_struct", None)):
        x = x[0]
    if single(y) and not model._output_names():
        y = y[0]
    return x, y


def _check_split(x, validation_split):
    """Keras's validation_split: a fraction in [0, 1), of arrays only."""
    from twinflow.data.dataset import Dataset
    if isinstance(x, Dataset):
        raise ValueError(  # noqa: TRY004 (Keras's class)
            "`validation_split` is only supported for Tensors or NumPy arrays, "
            f"found following types in the input: [{type(x)}]")
    if not 0.0 <= validation_split < 1.0:
        raise ValueError("`validation_split` must be a float in [0, 1) (the fraction of the "
                         f"data held out for validation). Received: validation_split="
                         f"{validation_split}")


def _check_targets(model, batch):
    """Keras 2's check in train_step: a compiled loss needs targets."""
    loss = getattr(model, "_compile_config", {}).get("loss")
    if loss is not None and (len(batch) < 2 or batch[1] is None):
        raise ValueError(f"Target data is missing. Your model was compiled with loss={loss}, "
                         "and therefore expects target data to be provided in `fit()`.")


def _should_eval(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _validation_args(validation_data):
    """(x, y, sample_weight) of fit's validation_data: `(x, y)`, `(x, y, sample_weight)`
    or a Dataset — the weights weigh val_loss and the weighted metrics, as in Keras 2."""
    if isinstance(validation_data, tuple):
        return tuple(validation_data[:3]) + (None,) * (3 - len(validation_data[:3]))
    return validation_data, None, None


def _floats(logs):
    return {k: float(np.asarray(v)) for k, v in logs.items()}


def _values(model, logs):
    values = [logs[name] for name in model.metrics_names]
    return values[0] if len(values) == 1 else values
