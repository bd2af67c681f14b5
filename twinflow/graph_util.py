"""tf.graph_util (re-exports only)."""

from graph.graph_def import import_graph_def  # noqa: F401
