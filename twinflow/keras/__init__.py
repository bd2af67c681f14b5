"""tf.keras: layers, models, compile/fit/evaluate/predict — in every mode.

One Model.fit runs eagerly (`run_eagerly=True`), compiled with tf.function (the
default) or, with eager execution disabled, built once into the default graph and run
in the (default) Session — giving the same numbers in all three.
"""

from twinflow.keras import (  # noqa: F401
    activations, backend, callbacks, constraints, datasets, initializers, layers, losses,
    metrics, optimizers, regularizers, saving)
from twinflow.keras.functional import Input  # noqa: F401
from twinflow.keras.models import Sequential  # noqa: F401
from twinflow.keras.training import Model  # noqa: F401
from twinflow.keras import models  # noqa: F401,E402
