"""tf.compat.v1.summary: TF1's summary ops and FileWriter (re-exports only)."""

from graph.summary import FileWriter, merge, merge_all  # noqa: F401
from graph.summary import histogram_v1 as histogram  # noqa: F401
from graph.summary import scalar_v1 as scalar  # noqa: F401
