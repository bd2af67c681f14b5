"""tf.config: switches of the runtime (re-exports only)."""

from eager.function import functions_run_eagerly, run_functions_eagerly  # noqa: F401
