"""tf.keras.callbacks: hooks `fit`, `evaluate` and `predict` call around epochs and
batches — History (what fit returns), the progress bar, early stopping, schedules."""

from __future__ import annotations

import math as _pymath
import sys
import time

import numpy as np

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "LambdaCallback", "LearningRateScheduler", "TerminateOnNaN"]


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
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """The callbacks of one fit/evaluate/predict: `call(hook, *args)` runs the hook on
    each, in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)


class History(Callback):
    """Records each epoch's logs: `history.history["loss"]` is the list of epoch losses."""

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _format_logs(logs):
    return "".join(f" - {k}: {v:.4f}" if isinstance(v, float) and abs(v) >= 1e-3 or v == 0
                   else f" - {k}: {v:.4e}" if isinstance(v, float) else f" - {k}: {v}"
                   for k, v in logs.items())


class ProgbarLogger(Callback):
    """Keras's progress output: verbose=1 a bar per epoch, verbose=2 one line per epoch."""

    def __init__(self, count_mode="steps", stream=None):
        super().__init__()
        self._stream = stream

    def _write(self, text):
        (self._stream or sys.stdout).write(text)

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._seen = time.perf_counter(), 0
        if self.params.get("verbose") == 1 and self.params.get("epochs", 1) > 0:
            self._write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.params.get("verbose") == 1:
            self._bar(logs or {}, final=False)

    def on_epoch_end(self, epoch, logs=None):
        verbose = self.params.get("verbose")
        if verbose == 1:
            self._bar(logs or {}, final=True)
        elif verbose == 2:
            steps = self.params.get("steps") or self._seen
            elapsed = time.perf_counter() - self._start
            self._write(f"Epoch {epoch + 1}/{self.params['epochs']}\n{steps}/{steps} - "
                        f"{elapsed:.0f}s{_format_logs(logs or {})} - "
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


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved by min_delta for `patience` epochs;
    restore_best_weights puts back the best epoch's weights."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        maximize = mode == "max" or (mode == "auto" and ("acc" in monitor or
                                                         monitor.startswith("auc")))
        self._better = (lambda a, b: a - abs(min_delta) > b) if maximize else \
            (lambda a, b: a + abs(min_delta) < b)
        self._worst = -np.inf if maximize else np.inf

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0
        self.best = self._worst if self.baseline is None else self.baseline

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        if self._better(current, self.best):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LambdaCallback(Callback):
    """Callbacks from functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...)."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate to schedule(epoch, lr) before each epoch."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = float(_value(optimizer.learning_rate))
        try:
            rate = self.schedule(epoch, current)
        except TypeError:
            rate = self.schedule(epoch)
        optimizer.learning_rate = float(rate)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(rate)}.")


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (_pymath.isnan(loss) or _pymath.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


def _value(x):
    return x.numpy() if hasattr(x, "numpy") else x
