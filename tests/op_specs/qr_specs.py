"""Op-spec rows for engine/ops/qr.py (Qr has no gradient: forward and graph rows only)."""

import numpy as np

from engine.ops.qr import qr
from tests.op_specs.spec import Spec


def _ref(full_matrices=False):
    return lambda x: tuple(np.linalg.qr(x, mode="complete" if full_matrices else "reduced"))


SPECS = [
    Spec("qr_square", fn=lambda x: qr(x), ref=_ref(), shapes=[(4, 4)], grad=False),
    Spec("qr_tall", fn=lambda x: qr(x), ref=_ref(), shapes=[(6, 3)], grad=False),
    Spec("qr_wide", fn=lambda x: qr(x), ref=_ref(), shapes=[(3, 5)], grad=False),
    Spec("qr_batch_f64", fn=lambda x: qr(x), ref=_ref(), shapes=[(2, 5, 3)],
         dtype="float64", grad=False),
    Spec("qr_full_matrices", fn=lambda x: qr(x, full_matrices=True), ref=_ref(True),
         shapes=[(2, 5, 3)], grad=False),
    Spec("qr_empty", fn=lambda x: qr(x), ref=_ref(), shapes=[(0, 3)], grad=False),
]
