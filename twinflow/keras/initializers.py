"""tf.keras.initializers: the engine's initializer classes, by object or by name."""

from __future__ import annotations

from twinflow.initializers import *  # noqa: F401,F403
from engine.initializers import (  # noqa: F401
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, Initializer,
    LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform,
    TruncatedNormal, VarianceScaling, Zeros)

_BY_NAME = {"zeros": Zeros, "ones": Ones, "constant": Constant, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
            "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
            "random_normal": RandomNormal, "random_uniform": RandomUniform,
            "truncated_normal": TruncatedNormal, "orthogonal": Orthogonal,
            "identity": Identity, "variance_scaling": VarianceScaling}


def get(identifier):
    """An initializer from a name ("glorot_uniform"), a config dict, or itself.

    Raises:
        ValueError: an unknown name.
    """
    if identifier is None or callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, type):
        return identifier()
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(_snake(identifier["class_name"]))
        return cls.from_config(identifier.get("config", {}))
    cls = _BY_NAME.get(str(identifier).lower())
    if cls is None:
        raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
    return cls()


def serialize(initializer):
    """{"class_name": ..., "config": ...} (what layer configs store)."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def _snake(name):
    from engine.module import _camel_to_snake
    return _camel_to_snake(name)
