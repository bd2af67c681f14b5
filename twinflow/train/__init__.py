"""tf.compat.v1.train: TF1 optimizers, the global step, learning-rate decays, Saver and
checkpoints (tf.train.Checkpoint & co., shared with TF2's tf.train for now)."""

from twinflow.train.optimizers import (  # noqa: F401
    AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer, MomentumOptimizer, Optimizer,
    RMSPropOptimizer, get_global_step, get_or_create_global_step)
from engine.learning_rate import (  # noqa: F401
    cosine_decay, exponential_decay, inverse_time_decay, natural_exp_decay, piecewise_constant,
    polynomial_decay)
from engine.checkpoint_io import (  # noqa: F401
    checkpoint_exists, get_checkpoint_state, latest_checkpoint, list_variables, load_checkpoint,
    load_variable, update_checkpoint_state)
from engine.checkpoint_io import CheckpointReader as NewCheckpointReader  # noqa: F401
from graph.saver import Saver  # noqa: F401
from twinflow.train.checkpoint import Checkpoint, CheckpointManager  # noqa: F401

piecewise_constant_decay = piecewise_constant
from graph.graph_def import write_graph  # noqa: F401,E402
from graph.meta_graph import export_meta_graph, import_meta_graph  # noqa: F401,E402
