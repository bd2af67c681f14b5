"""tf.compat.v1: TensorFlow 1's public names (graphs, placeholders, Session, ...).

Re-exports only. Every TF2 name is here too; where TF1 named or shaped a function
differently (keep_dims, to_float, log, ...), twinflow/compat/v1/renamed.py adapts it.
"""

from twinflow import *  # noqa: F401,F403
from twinflow import dtypes, errors, linalg, math, nest, random  # noqa: F401
from engine.context import executing_eagerly, name_scope  # noqa: F401
from engine.ops.core import placeholder, placeholder_with_default, no_op  # noqa: F401
from engine.ops.random import set_seed as set_random_seed  # noqa: F401
from graph.gradients import gradients  # noqa: F401
from graph.graph import (  # noqa: F401
    Graph, GraphKeys, disable_eager_execution, enable_eager_execution, get_default_graph,
    reset_default_graph)
from graph.session import InteractiveSession, Session, get_default_session  # noqa: F401
from graph.tensor import Operation  # noqa: F401
from graph.variables_v1 import (  # noqa: F401
    global_variables, global_variables_initializer, group, is_variable_initialized,
    local_variables, local_variables_initializer, report_uninitialized_variables,
    tables_initializer, trainable_variables, variables_initializer)
from graph.variables_v1 import VariableV1 as Variable  # noqa: F401,E402
from twinflow.compat.v1.graph_api import (  # noqa: F401
    add_to_collection, add_to_collections, control_dependencies, device,
    get_collection, get_collection_ref)
from twinflow.compat.v1.renamed import *  # noqa: F401,F403
from twinflow import train  # noqa: F401,E402
from twinflow.compat.v1 import logging  # noqa: F401,E402
from graph.graph_def import import_graph_def  # noqa: F401,E402
from twinflow import io  # noqa: F401,E402
from twinflow.compat.v1 import graph_util, summary  # noqa: F401,E402  (TF1 versions)
from engine.ops.training import scatter_add, scatter_sub, scatter_update  # noqa: F401,E402
from graph.variable_scope import (  # noqa: F401,E402
    AUTO_REUSE, VariableScope, get_variable, get_variable_scope, variable_scope)
from engine.initializers import (  # noqa: F401,E402
    constant_initializer, glorot_normal_initializer, glorot_uniform_initializer,
    ones_initializer, orthogonal_initializer, random_normal_initializer,
    random_uniform_initializer, truncated_normal_initializer, variance_scaling_initializer,
    zeros_initializer)
from twinflow.compat.v1 import initializers  # noqa: F401,E402
from twinflow.compat.v1 import nn  # noqa: F401,E402  (TF1 spellings of tf.nn)
from twinflow import lookup  # noqa: F401,E402
from twinflow.compat.v1 import data  # noqa: F401,E402  (TF1 iterators)
from twinflow import autograph  # noqa: F401,E402
from twinflow.compat.v1 import image  # noqa: F401,E402
from graph.config_proto import (  # noqa: F401,E402
    ConfigProto, GPUOptions, GraphOptions, OptimizerOptions, RewriterConfig, RunMetadata,
    RunOptions)
from twinflow.debugging import (  # noqa: F401,E402  (TF1 kept them top-level)
    assert_equal, assert_greater, assert_greater_equal, assert_less, assert_less_equal,
    assert_negative, assert_non_negative, assert_non_positive, assert_none_equal,
    assert_positive, assert_rank, assert_type, check_numerics)


def __getattr__(name):
    """tf.compat.v1.keras: the same Keras (its backend has get_session/set_session),
    imported on first use."""
    if name == "keras":
        import importlib
        return importlib.import_module("twinflow.keras")
    raise AttributeError(f"module 'twinflow.compat.v1' has no attribute {name!r}")
