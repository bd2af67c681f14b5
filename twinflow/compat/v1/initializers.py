"""tf.compat.v1.initializers: the TF1 initializers under their short names."""

from engine.initializers import (  # noqa: F401
    constant_initializer as constant, glorot_normal_initializer as glorot_normal,
    glorot_uniform_initializer as glorot_uniform, identity_initializer as identity,
    ones_initializer as ones, orthogonal_initializer as orthogonal,
    random_normal_initializer as random_normal, random_uniform_initializer as random_uniform,
    truncated_normal_initializer as truncated_normal,
    variance_scaling_initializer as variance_scaling, zeros_initializer as zeros)
from graph.variables_v1 import (  # noqa: F401
    global_variables_initializer as global_variables,
    local_variables_initializer as local_variables, variables_initializer as variables)
