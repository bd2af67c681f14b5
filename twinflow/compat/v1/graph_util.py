"""tf.compat.v1.graph_util: freezing and sub-graphs (re-exports only)."""

from graph.graph_def import import_graph_def  # noqa: F401
from graph.graph_util import (  # noqa: F401
    convert_variables_to_constants, extract_sub_graph, remove_training_nodes)
