"""twinflow: `import twinflow as tf` gives TensorFlow 2's public names.

This module only re-exports: ops live in engine/ops/ (one module per family), eager
execution in eager/. Each name below is where TensorFlow 2 puts it.
"""

import eager as _eager  # noqa: F401  (installs the eager executor first)
from engine.context import executing_eagerly, name_scope
from engine.dtypes import (  # noqa: A004
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half,
    int8, int16, int32, int64, resource, string, uint8, uint16, uint32, uint64, variant)
from engine.module import Module
from engine.ops.array import (
    broadcast_to, concat, expand_dims, eye, fill, identity_n, linspace, meshgrid, one_hot,
    ones, ones_like, pad, range, rank, reshape, reverse, shape, shape_n, size, split,
    squeeze, stack, tile, transpose, unstack, zeros, zeros_like)
from engine.ops.core import (constant, convert_to_tensor, identity, is_tensor, no_op,
                             stop_gradient)
from engine.ops.indexing import (
    boolean_mask, gather, gather_nd, scatter_nd, slice, strided_slice,
    tensor_scatter_nd_add, tensor_scatter_nd_sub, tensor_scatter_nd_update)
from engine.ops.linalg import (clip_by_global_norm, clip_by_norm, einsum, matmul, norm,
                               tensordot)
from engine.ops.math import (
    abs, acos, add, add_n, asin, atan, cast, clip_by_value, cos, cosh, divide, equal, exp,
    floor, greater, greater_equal, less, less_equal, logical_and, logical_not, logical_or,
    maximum, minimum, multiply, negative, not_equal, pow, realdiv, round, saturate_cast,
    sigmoid, sign, sin, sinh, sqrt, square, subtract, tan, tanh, truediv, where)
from engine.ops.reduce import (argmax, argmin, cumsum, reduce_all, reduce_any,
                               reduce_logsumexp, reduce_max, reduce_mean, reduce_min,
                               reduce_prod, reduce_sum)
from engine.ops.sort import argsort, searchsorted, sort, unique
from engine.shapes import TensorShape
from engine.tensor_base import Tensor
from engine.tensor_array import TensorArray
from engine.tensor_spec import TensorSpec
from engine.variables import Variable, VariableAggregation, VariableSynchronization
from eager.function import function
from eager.tape import GradientTape, UnconnectedGradients
from engine.custom_gradient import custom_gradient
from graph.control_flow import case, cond, switch_case, while_loop
from engine.ops.debug import Assert, print_ as print  # noqa: A004
from twinflow.debugging import assert_equal, assert_greater, assert_less, assert_rank  # noqa: F401
from engine.ops.strings import fingerprint  # noqa: F401
from graph.control_flow import tuple_ as tuple  # noqa: A001
from graph.gradients import gradients
from graph.graph import Graph
from graph.tensor import Operation
from graph.variables_v1 import group
from twinflow.compat.v1.graph_api import control_dependencies, device
from twinflow import graph_util, io, summary  # noqa: F401,E402
from twinflow import (  # noqa: F401,E402
    autograph, compat, config, data, debugging, dtypes, errors, image, initializers,
    linalg, lookup, math, nest, nn, random, strings, train)
from engine.initializers import (  # noqa: F401,E402
    Constant as constant_initializer, Ones as ones_initializer,
    RandomNormal as random_normal_initializer, RandomUniform as random_uniform_initializer,
    Zeros as zeros_initializer)

newaxis = None
__version__ = "0.1.0"


def __getattr__(name):
    """tf.keras is imported on first use, so `import twinflow` stays fast."""
    if name == "keras":
        import importlib
        return importlib.import_module("twinflow.keras")
    raise AttributeError(f"module 'twinflow' has no attribute {name!r}")
