"""TF1 variable helpers: initializers as ops, collections, initialization checks.

Variables themselves are engine.variables.Variable (one class for both modes); this
module adds what TF1 programs call around them: global_variables_initializer() and
friends, which group the variables' initializer ops for one `session.run`.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.context import execute, executing_eagerly
from engine.ops.core import constant, no_op
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape
from engine.variables import Variable
from graph.graph import GraphKeys, get_default_graph

__all__ = ["group", "global_variables", "trainable_variables", "local_variables",
           "variables_initializer", "global_variables_initializer",
           "local_variables_initializer", "is_variable_initialized",
           "report_uninitialized_variables", "VariableV1", "tables_initializer"]

IS_INITIALIZED = register(
    "VarIsInitializedOp", lambda store, handle: np.bool_(handle.key in store.values),
    lambda inputs, attrs: [(dtypes.bool, TensorShape([]))], NO_GRADIENT, stateful=True,
    uses_store=True)


def group(*inputs, name=None):
    """One op that runs all `inputs` (a NoOp with control dependencies); None eagerly."""
    if executing_eagerly():
        return None
    graph = get_default_graph()
    with graph.control_dependencies([i for i in inputs if i is not None]):
        return no_op(name=name or "group_deps")


def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of `var_list` (a NoOp when it is empty)."""
    if executing_eagerly():
        return None
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """The op initializing every global variable of the default graph."""
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def tables_initializer(name="init_all_tables"):
    """The op initializing every lookup table of the default graph."""
    if executing_eagerly():
        return None
    return group(*get_default_graph().get_collection(GraphKeys.TABLE_INITIALIZERS),
                 name=name)


def is_variable_initialized(variable):
    """A bool tensor: has `variable` been initialized in the session that runs it?"""
    return execute(IS_INITIALIZED, (variable.handle,), None, "IsVariableInitialized")


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor naming the variables of `var_list` not yet initialized."""
    from engine.ops import array, indexing, math
    var_list = global_variables() if var_list is None else list(var_list)
    if not var_list:
        return constant([], dtype=dtypes.string, name=name)
    names = constant([v.name.split(":")[0] for v in var_list])
    initialized = array.stack([is_variable_initialized(v) for v in var_list])
    return indexing.boolean_mask(names, math.logical_not(initialized), name=name)


class VariableV1(Variable):
    """tf.compat.v1.Variable: tf.Variable plus TF1's `collections` argument.

    Args:
        collections: the graph collections to add the variable to (default
            [GLOBAL_VARIABLES], plus TRAINABLE_VARIABLES when trainable), e.g.
            [tf.compat.v1.GraphKeys.LOCAL_VARIABLES] for a local variable.
    """

    def __init__(self, initial_value=None, trainable=None, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=0, aggregation=0, shape=None):
        self._collections = None if collections is None else list(collections)
        super().__init__(initial_value, trainable=trainable, validate_shape=validate_shape,
                         name=name, dtype=dtype, constraint=constraint,
                         synchronization=synchronization, aggregation=aggregation,
                         shape=shape)
