"""tf.compat.v1.logging: TF1's logging calls, over Python's `tensorflow` logger."""

from __future__ import annotations

import logging as _logging

__all__ = ["DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "debug", "info", "warning",
           "warn", "error", "fatal", "log", "set_verbosity", "get_verbosity"]

DEBUG, INFO, WARN, ERROR, FATAL = (_logging.DEBUG, _logging.INFO, _logging.WARN,
                                   _logging.ERROR, _logging.FATAL)
WARNING = WARN

_logger = _logging.getLogger("tensorflow")


def debug(msg, *args, **kwargs):
    _logger.debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    _logger.info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    _logger.warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    _logger.error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    _logger.fatal(msg, *args, **kwargs)


def log(level, msg, *args, **kwargs):
    _logger.log(level, msg, *args, **kwargs)


def set_verbosity(level):
    """Messages below `level` (INFO, WARN, ...) are dropped."""
    _logger.setLevel(level)


def get_verbosity():
    return _logger.getEffectiveLevel()
