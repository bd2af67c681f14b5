"""tf.io: writing graphs (re-exports only)."""

from graph.graph_def import write_graph  # noqa: F401
