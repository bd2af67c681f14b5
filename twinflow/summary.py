"""tf.summary: TensorBoard event files (re-exports only; needs the tensorboard extra)."""

import types as _types

from graph.summary import (  # noqa: F401
    SummaryWriter, create_file_writer, flush, get_step, graph, histogram, scalar, set_step)

experimental = _types.SimpleNamespace(get_step=get_step, set_step=set_step)
