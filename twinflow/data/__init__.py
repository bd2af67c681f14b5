"""tf.data: input pipelines (twinflow/data/dataset.py explains how they run)."""

from twinflow.data.dataset import INFINITE as INFINITE_CARDINALITY  # noqa: F401
from twinflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY  # noqa: F401
from twinflow.data.dataset import Dataset  # noqa: F401
from twinflow.data import experimental  # noqa: F401,E402

AUTOTUNE = -1
