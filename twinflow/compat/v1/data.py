"""tf.compat.v1.data: TF1's graph iterators beside the shared Dataset."""

from twinflow.data import AUTOTUNE, Dataset, experimental  # noqa: F401
from twinflow.data.iterators import (  # noqa: F401
    Iterator, get_output_classes, get_output_shapes, get_output_types,
    make_initializable_iterator, make_one_shot_iterator)
