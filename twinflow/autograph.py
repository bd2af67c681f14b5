"""tf.autograph: convert Python control flow over tensors to graph ops (re-exports only).

`to_graph(fn)` is what tf.function applies before tracing; `to_code(fn)` shows the
rewritten source. See eager/autograph.py for what is converted and what stays Python.
"""

import types as _types

from eager.autograph import convert as to_graph
from eager.autograph import do_not_convert, to_code

experimental = _types.SimpleNamespace(do_not_convert=do_not_convert)

__all__ = ["experimental", "to_code", "to_graph"]
