"""Eager mode: EagerTensor, the eager executor, GradientTape."""

from eager import executor as _executor

_executor.install()
