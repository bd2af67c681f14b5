"""tf.keras.callbacks: hooks `fit` calls around epochs and batches — History (what fit
returns), the progress bar, early stopping, learning-rate schedules and plateaus,
checkpoints and a CSV log. Keras 2's rules and messages."""

from __future__ import annotations

import collections
import csv
import math as _pymath
import os
import sys
import time
import warnings
from collections.abc import Iterable

import numpy as np

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "LambdaCallback", "LearningRateScheduler", "TerminateOnNaN", "ModelCheckpoint",
           "CSVLogger", "ReduceLROnPlateau", "TensorBoard"]


class Callback:
    """Base class: override the hooks you need; `self.model` and `self.params` are set."""

    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)  # Keras 2: the old names still fire

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


class CallbackList:
    """The callbacks of one fit/evaluate/predict: `call(hook, *args)` runs the hook on
    each, in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def call(self, hook, *args):
        """Runs `hook` on every callback; a missing `logs` is passed as {} (Keras 2)."""
        if len(args) < (1 if hook.endswith(("train_begin", "train_end", "test_begin",
                                             "test_end", "predict_begin", "predict_end"))
                        else 2):
            args = args + ({},)
        for cb in self.callbacks:
            getattr(cb, hook)(*args)


class History(Callback):
    """Records each epoch's logs: `history.history["loss"]` is the list of epoch losses.
    fit puts it last, so it also records what other callbacks add (e.g. "lr")."""

    def __init__(self):
        super().__init__()
        self.epoch, self.history = [], {}

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


def _format_logs(logs):
    return "".join(f" - {k}: {v:.4f}" if isinstance(v, float) and abs(v) >= 1e-3 or v == 0
                   else f" - {k}: {v:.4e}" if isinstance(v, float) else f" - {k}: {v}"
                   for k, v in logs.items())


class ProgbarLogger(Callback):
    """Keras's progress output: verbose=1 a bar per epoch, verbose=2 one line per epoch.
    evaluate and predict get one bar of their own; fit's validation prints none (Keras 2
    remembers it was called in fit)."""

    def __init__(self, count_mode="steps", stream=None):
        super().__init__()
        self._stream, self._called_in_fit = stream, False
        self._start, self._seen = time.perf_counter(), 0

    def _write(self, text):
        (self._stream or sys.stdout).write(text)

    def _reset(self):
        self._start, self._seen = time.perf_counter(), 0

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.params.get("verbose") == 1 and self.params.get("epochs", 1) > 0:
            self._write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.params.get("verbose") == 2:
            self._write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)  # Keras 2 never prints the predictions

    def on_predict_end(self, logs=None):
        self._finish(None)

    def _update(self, batch, logs):
        self._seen = batch + 1
        if self.params.get("verbose") == 1:
            self._bar(logs or {}, final=False)

    def _finish(self, logs):
        verbose = self.params.get("verbose")
        if verbose == 1:
            self._bar(logs or {}, final=True)
        elif verbose == 2:
            steps = self.params.get("steps") or self._seen
            elapsed = time.perf_counter() - self._start
            self._write(f"{steps}/{steps} - {elapsed:.0f}s{_format_logs(logs or {})} - "
                        f"{elapsed * 1000:.0f}ms/epoch - "
                        f"{elapsed * 1000 / max(steps, 1):.0f}ms/step\n")

    def _bar(self, logs, final):
        steps = self.params.get("steps") or self._seen
        width = 30
        done = int(width * self._seen / max(steps, 1))
        bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
        elapsed = time.perf_counter() - self._start
        per_step = elapsed * 1000 / max(self._seen, 1)
        text = (f"\r{self._seen:>{len(str(steps))}}/{steps} [{bar}] - {elapsed:.0f}s "
                f"{per_step:.0f}ms/step{_format_logs(logs)}")
        self._write(text + ("\n" if final else ""))


def _mode(mode, what):
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{what} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode


def _lr_value(model):
    """The optimizer's current learning rate as a numpy float32 (either mode)."""
    from twinflow.keras.optimizer_base import _get_value
    rate = model.optimizer.learning_rate
    if hasattr(rate, "read_value"):
        return np.float32(_get_value(rate))
    if callable(rate):
        rate = rate(model.optimizer.iterations.read_value())
    return np.float32(np.asarray(rate))


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved by min_delta for `patience` epochs;
    restore_best_weights puts back the best epoch's weights when it stops (Keras 2.13's
    rules: `baseline` must be beaten for the wait to restart)."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        mode = _mode(mode, "EarlyStopping")
        maximize = mode == "max" or (mode == "auto" and monitor.endswith(
            ("acc", "accuracy", "auc")))
        self.monitor_op = np.greater if maximize else np.less
        self.min_delta = abs(min_delta) if maximize else -abs(min_delta)

    def _is_improvement(self, value, reference):
        return bool(self.monitor_op(value - self.min_delta, reference))

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is "
                          f"not available. Available metrics are: "
                          f"{','.join(logs or {})}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # if no epoch ever improves
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LambdaCallback(Callback):
    """Callbacks from functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate to schedule(epoch, lr) before each epoch (or
    schedule(epoch) for a one-argument schedule) and logs it as "lr".

    Raises:
        ValueError: the schedule returns something other than a float.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        try:
            rate = self.schedule(epoch, float(_lr_value(self.model)))
        except TypeError:  # the old one-argument API
            rate = self.schedule(epoch)
        if hasattr(rate, "numpy") and not isinstance(rate, np.ndarray):
            if not rate.dtype.is_floating:
                raise ValueError(f"The dtype of `lr` Tensor should be float. Got: "
                                 f"{rate.dtype.name}")
            rate = rate.numpy()
        elif not isinstance(rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the \"schedule\" function should be float. "
                             f"Got: {rate}")
        self.model.optimizer.learning_rate = float(rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = _lr_value(self.model)


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (_pymath.isnan(loss) or _pymath.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` has not improved by
    min_delta for `patience` epochs, then waits `cooldown` epochs; never below min_lr.
    Logs the rate as "lr".

    Raises:
        ValueError: factor >= 1.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got "
                             f"{factor}")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.verbose, self.cooldown, self.min_lr = verbose, cooldown, min_lr
        self.min_delta = kwargs.pop("epsilon", min_delta)
        self.mode = _mode(mode, "Learning rate reduction")
        self._reset()

    def _reset(self):
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter, self.wait = 0, 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = _lr_value(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{','.join(logs)}", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch)

    def _reduce(self, epoch):
        old = _lr_value(self.model)
        if old > np.float32(self.min_lr):
            new = max(old * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = float(new)
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{new}.")
            self.cooldown_counter, self.wait = self.cooldown, 0


class ModelCheckpoint(Callback):
    """Saves the model (a .keras file) or its weights (a checkpoint prefix) every epoch
    or every `save_freq` batches; `filepath` may name the epoch and logs, e.g.
    "ckpt-{epoch:02d}-{val_loss:.2f}". With save_best_only, only when `monitor` improves.

    Raises:
        ValueError: save_freq is neither "epoch" nor an integer.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", options=None,
                 initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.save_freq, self._batches_seen, self._current_epoch = save_freq, 0, 0
        mode = _mode(mode, "ModelCheckpoint")
        maximize = mode == "max" or (mode == "auto" and (
            "acc" in monitor or monitor.startswith("fmeasure")))
        self.monitor_op = np.greater if maximize else np.less
        self.best = initial_value_threshold if initial_value_threshold is not None else \
            (-np.inf if maximize else np.inf)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if isinstance(self.save_freq, int):
            self._batches_seen += 1
            if self._batches_seen >= self.save_freq:
                self._batches_seen = 0
                self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f"Failed to format this callback filepath: \"{self.filepath}\". "
                           f"Reason: {e}") from None

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._file_path(epoch, batch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return self._write(filepath)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, "
                          "skipping.", stacklevel=3)
        elif self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            self._write(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")

    def _write(self, filepath):
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class CSVLogger(Callback):
    """Appends each epoch's logs as a CSV row: "epoch" then the log keys, sorted (the
    csv module's excel dialect with `separator`, so rows end with \\r\\n as in Keras)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.writer, self.keys, self.csv_file = None, None, None
        self.append_header = True

    def on_train_begin(self, logs=None):
        mode = "w"
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.model.stop_training:  # an early stop may have left keys out
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self.writer is None:
            dialect = type("CustomDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, _csv_value(logs[key])) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file, self.writer = None, None


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        return f"\"[{', '.join(map(str, value))}]\""
    return value


class TensorBoard(Callback):
    """Writes each epoch's logs as TensorBoard scalars: `log_dir/train` gets loss,
    accuracy... as `epoch_loss`, `epoch_accuracy`; `log_dir/validation` the val_ ones
    (needs the tensorboard extra). Written eagerly in every mode, even inside a TF1
    Session, since the values are already numbers."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, update_freq="epoch",
                 **unused):
        super().__init__()
        self.log_dir, self.write_graph = log_dir, write_graph
        self._writers = {}

    def _writer(self, kind):
        import os
        from graph.summary import create_file_writer
        if kind not in self._writers:
            self._writers[kind] = create_file_writer(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def on_epoch_end(self, epoch, logs=None):
        from engine import context
        from eager.executor import EagerExecutor
        from graph.summary import scalar
        with context.executor_scope(EagerExecutor()):
            for key, value in (logs or {}).items():
                kind, name = ("validation", key[4:]) if key.startswith("val_") else \
                    ("train", key)
                with self._writer(kind).as_default():
                    scalar(f"epoch_{name}", float(value), step=epoch)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
