"""tf.compat: the TF1 API (v1) and the TF2 API (v2) under their compat names."""

from twinflow.compat import v1  # noqa: F401
