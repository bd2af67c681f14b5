"""tf.keras.datasets: small datasets shipped inside twinflow (no downloads, ever)."""

from twinflow.keras.datasets import digits  # noqa: F401
