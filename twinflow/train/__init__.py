"""tf.compat.v1.train: TF1 optimizers, the global step and learning-rate decays."""

from twinflow.train.optimizers import (  # noqa: F401
    AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer, MomentumOptimizer, Optimizer,
    RMSPropOptimizer, get_global_step, get_or_create_global_step)
from engine.learning_rate import (  # noqa: F401
    cosine_decay, exponential_decay, inverse_time_decay, natural_exp_decay, piecewise_constant,
    polynomial_decay)

piecewise_constant_decay = piecewise_constant
