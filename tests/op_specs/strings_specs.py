"""Op-spec rows for engine/ops/strings.py (forward, inference, graph == eager)."""

import re

import numpy as np

from engine.ops import strings as S
from tests.op_specs.spec import Spec


def _obj(*items):
    out = np.empty(len(items), dtype=object)
    out[:] = [i.encode() if isinstance(i, str) else i for i in items]
    return out


_WORDS = _obj("Hello World", "a  b c", "", "ÉTÉ x")
_map = np.frompyfunc

SPECS = [
    Spec("strings_join", fn=lambda a, b: S.join([a, b], separator="-"),
         ref=lambda a, b: _map(lambda x, y: x + b"-" + y, 2, 1)(a, b).astype(object),
         grad=False, inputs=lambda rng: [_WORDS, _obj("1", "2", "3", "4")]),
    Spec("strings_length_bytes", fn=S.length,
         ref=lambda x: np.array([len(s) for s in x], np.int32), grad=False,
         inputs=lambda rng: [_WORDS]),
    Spec("strings_length_chars", fn=lambda x: S.length(x, unit="UTF8_CHAR"),
         ref=lambda x: np.array([len(s.decode()) for s in x], np.int32), grad=False,
         inputs=lambda rng: [_WORDS]),
    Spec("strings_lower_ascii", fn=S.lower, ref=lambda x: _obj(*[s.lower() for s in x]),
         grad=False, inputs=lambda rng: [_WORDS]),
    Spec("strings_upper_utf8", fn=lambda x: S.upper(x, encoding="utf-8"),
         ref=lambda x: _obj(*[s.decode().upper() for s in x]), grad=False,
         inputs=lambda rng: [_WORDS]),
    Spec("strings_to_number", fn=S.to_number,
         ref=lambda x: np.array([float(s) for s in x], np.float32), grad=False,
         inputs=lambda rng: [_obj("1.5", "-2", "1e3")]),
    Spec("strings_as_string", fn=S.as_string,
         ref=lambda x: _obj(*["%f" % v for v in x]), grad=False,
         inputs=lambda rng: [np.array([1.5, -2.25], np.float32)]),
    Spec("strings_regex_replace", fn=lambda x: S.regex_replace(x, r"(\w)o", r"\1O"),
         ref=lambda x: _obj(*[re.sub(rb"(\w)o", rb"\1O", s) for s in x]), grad=False,
         inputs=lambda rng: [_obj("foo boo", "no")]),
    Spec("strings_substr", fn=lambda x: S.substr(x, 1, 2),
         ref=lambda x: _obj(*[s[1:3] for s in x]), grad=False,
         inputs=lambda rng: [_obj("hello", "ab")]),
    Spec("strings_split_scalar", fn=lambda x: S.split(x, ","), ref=lambda x: _obj("a", "b", ""),
         grad=False, inputs=lambda rng: [np.array(b"a,b,", dtype=object)]),
    Spec("strings_split_values", fn=lambda x: S.split(x).values,
         ref=lambda x: _obj(*[p for s in x for p in s.split()]), grad=False,
         inputs=lambda rng: [_WORDS]),
]
