"""The op families. Importing this package registers every op (one module per family)."""

import warnings

# numpy warns on log(0), x/0, overflow...; TensorFlow returns inf/nan silently. Silence
# those warnings where our kernels run (op modules and the executors that call numpy
# ufuncs directly) at zero cost per op, never for the user's own numpy code.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"(engine|eager|graph)\.")

# importing a family registers its ops
from engine.ops import (  # noqa: E402,F401
    array,
    conv,
    core,
    data,
    debug,
    embedding,
    image,
    indexing,
    linalg,
    list_ops,
    lookup,
    math,
    nn,
    norm,
    pool,
    qr,
    random,
    reduce,
    sort,
    strings,
    training,
)
