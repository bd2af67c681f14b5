"""tf.config: switches of the runtime (re-exports only)."""

from eager.function import functions_run_eagerly, run_functions_eagerly  # noqa: F401


class optimizer:  # noqa: N801 - tf.config.optimizer
    """tf.config.optimizer: the graph passes' switches (TensorFlow's option names)."""

    from graph.passes import (  # noqa: F401
        get_experimental_options, get_jit, set_experimental_options, set_jit)
