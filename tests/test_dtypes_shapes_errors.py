"""engine.dtypes / shapes / errors against TensorFlow 2's tf.dtypes, tf.TensorShape, tf.errors.

Expected values were checked against TensorFlow 2.21.
"""

import pickle
import re

import numpy as np
import pytest

from engine import dtypes, errors, shapes

S = shapes.TensorShape

# name, kind (f float, i int, u unsigned, b bool, c complex, s string), size, numpy type, enum
DTYPES = [("float16", "f", 2, np.float16, 19), ("float32", "f", 4, np.float32, 1),
          ("float64", "f", 8, np.float64, 2), ("int8", "i", 1, np.int8, 6),
          ("int16", "i", 2, np.int16, 5), ("int32", "i", 4, np.int32, 3),
          ("int64", "i", 8, np.int64, 9), ("uint8", "u", 1, np.uint8, 4),
          ("uint16", "u", 2, np.uint16, 17), ("uint32", "u", 4, np.uint32, 22),
          ("uint64", "u", 8, np.uint64, 23), ("bool", "b", 1, np.bool_, 10),
          ("complex64", "c", 8, np.complex64, 8), ("complex128", "c", 16, np.complex128, 18),
          ("string", "s", 0, object, 7)]


@pytest.mark.parametrize("name, kind, size, np_type, enum", DTYPES)
def test_dtype_properties(name, kind, size, np_type, enum):
    d = getattr(dtypes, name)
    assert d.name == name and d.base_dtype is d
    assert (d.is_floating, d.is_integer, d.is_unsigned, d.is_bool, d.is_complex,
            d.is_numeric) == (kind == "f", kind in "iu", kind == "u", kind == "b",
                              kind == "c", kind in "fiuc")
    assert d.size == size and d.as_numpy_dtype is np_type
    assert d.as_datatype_enum == enum and hash(d) == enum
    assert (repr(d), str(d)) == (f"tf.{name}", f"<dtype: '{name}'>")
    assert dtypes.as_dtype(name) is d and dtypes.as_dtype(enum) is d
    assert pickle.loads(pickle.dumps(d)) is d
    if kind in "iu":  # Python ints, as TensorFlow returns them
        info = np.iinfo(name)
        assert type(d.min) is int and type(d.max) is int
        assert (d.min, d.max) == (int(info.min), int(info.max))
    elif kind != "f":
        with pytest.raises(TypeError, match="Cannot find minimum value"):
            d.min
        with pytest.raises(TypeError, match="Cannot find maximum value"):
            d.max


def test_float_min_max_aliases_real_dtype_and_handle_types():
    assert dtypes.float16.max == np.float16(65504) and dtypes.float16.min == -65504
    assert type(dtypes.float16.max) is np.float16
    assert float(dtypes.float32.max) == float(np.finfo(np.float32).max)
    assert dtypes.float64.min == -np.finfo(np.float64).max
    assert dtypes.half is dtypes.float16 and dtypes.double is dtypes.float64
    assert dtypes.complex64.real_dtype is dtypes.float32
    assert dtypes.complex128.real_dtype is dtypes.float64
    assert dtypes.int32.real_dtype is dtypes.int32
    for d in (dtypes.resource, dtypes.variant):
        assert d.size == 0 and not d.is_numeric
        with pytest.raises(TypeError, match="Cannot find minimum value"):
            d.min


@pytest.mark.parametrize("value, expected", [
    ("float", "float32"), ("half", "float16"), ("double", "float64"), ("bool", "bool"),
    (np.float32, "float32"), (np.dtype("float64"), "float64"), (np.int64, "int64"),
    (np.bool_, "bool"), (np.uint8, "uint8"), (np.complex64, "complex64"),
    (np.dtype(">f4"), "float32"), (np.dtype("S3"), "string"), (np.dtype("U5"), "string"),
    (np.str_, "string"), (np.bytes_, "string"), (np.object_, "string"),
    (float, "float32"), (bool, "bool"), (object, "string"),
    (2, "float64"), (9, "int64"),
    (np.array([1.0]), "float64"), (np.float32(1), "float32"),
])
def test_as_dtype_conversions(value, expected):
    assert dtypes.as_dtype(value) is getattr(dtypes, expected)


@pytest.mark.parametrize("junk", [
    "junk", "int", "str", "float128", "<f4", b"float32", int, complex, str, bytes, list,
    None, 0, 99, 1.5, [1], ("float32",), np.longdouble, np.void,
    np.dtype("datetime64[s]"), np.dtype([("a", "f4")]),
])
def test_as_dtype_rejects_junk(junk):
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`"):
        dtypes.as_dtype(junk)


def test_dtype_equality_and_hash():
    f32 = dtypes.float32
    assert f32 == "float32" and f32 == np.float32 and f32 == float and f32 == np.dtype("f4")
    assert not (f32 == "junk") and f32 != "junk" and f32 != None  # noqa: E711
    assert dtypes.float64 != None  # noqa: E711 - np.dtype(None) is float64, not a match
    assert dtypes.int32 != int and dtypes.int64 != int
    assert f32 != dtypes.float64 and not (f32 != "float32")
    assert dtypes.string == object and dtypes.string == np.str_
    assert {f32: 1}[dtypes.as_dtype(np.float32)] == 1
    assert len({dtypes.float32, dtypes.as_dtype("float"), dtypes.float64}) == 2
    assert f32.is_compatible_with(np.float32) and not f32.is_compatible_with(dtypes.int32)
    with pytest.raises(TypeError):
        f32.is_compatible_with("junk")


@pytest.mark.parametrize("dims, s, r, rank, full, n", [
    ([2, None], "(2, None)", "TensorShape([2, None])", 2, False, None),
    ([], "()", "TensorShape([])", 0, True, 1),
    ([3], "(3,)", "TensorShape([3])", 1, True, 3),
    ([2, 3, 4], "(2, 3, 4)", "TensorShape([2, 3, 4])", 3, True, 24),
    ([0, 5], "(0, 5)", "TensorShape([0, 5])", 2, True, 0),
    (None, "<unknown>", "TensorShape(None)", None, False, None),
])
def test_shape_basics(dims, s, r, rank, full, n):
    shape = S(dims)
    assert (str(shape), repr(shape)) == (s, r)
    assert shape.rank == rank and shape.ndims == rank
    assert shape.is_fully_defined() is full and shape.num_elements() == n
    assert bool(shape) is (dims is not None)
    assert pickle.loads(pickle.dumps(shape)) == shape
    if dims is None:
        with pytest.raises(ValueError, match="as_list\\(\\) is not defined on an unknown"):
            shape.as_list()
        with pytest.raises(ValueError, match="Cannot take the length of shape with unknown"):
            len(shape)
        with pytest.raises(ValueError, match="Cannot iterate over a shape with unknown"):
            list(shape)
    else:
        assert shape.as_list() == dims and type(shape.as_list()) is list
        assert len(shape) == len(dims) and tuple(shape) == tuple(dims)


def test_shape_construction():
    assert S(3).as_list() == [3] and S((2, 3)).as_list() == [2, 3]
    assert S([np.int64(4)]).as_list() == [4] and type(S([np.int64(4)])[0]) is int
    assert S(S([1, None])) == S([1, None])
    assert shapes.unknown_shape() == S(None) and shapes.unknown_shape(2) == S([None, None])
    with pytest.raises(TypeError):
        S([1.5])
    with pytest.raises(TypeError):
        S("ab")


def test_shape_indexing_and_slicing():
    shape = S([2, 3, None, 4])
    assert (shape[0], shape[-1], shape[2]) == (2, 4, None) and type(shape[0]) is int
    assert shape[1:] == S([3, None, 4]) and isinstance(shape[1:], S)
    assert shape[::2] == S([2, None]) and shape[:0] == S([])
    with pytest.raises(IndexError):
        shape[4]
    unknown = S(None)
    assert unknown[0] is None and unknown[7] is None
    assert unknown[1:].rank is None and unknown[:].rank is None
    assert unknown[-2:-1].rank is None
    assert unknown[1:3] == S([None, None]) and unknown[:3] == S([None, None, None])
    with pytest.raises(ValueError):
        unknown[::2]


def test_merge_concatenate_and_most_specific_compatible_shape():
    assert S([2, None]).merge_with(S([None, 3])) == S([2, 3])
    assert S(None).merge_with(S([1, 2])) == S([1, 2]) == S([1, 2]).merge_with(S(None))
    assert S([None, 2]).merge_with([1, None]) == S([1, 2])
    assert S([1, 2]).concatenate(S([3])) == S([1, 2, 3])
    assert S([1]).concatenate([None, 4]) == S([1, None, 4]) and S([1]).concatenate(5) == [1, 5]
    assert S([1]).concatenate(S(None)) == S(None) and S(None).concatenate([1]) == S(None)
    assert S([1]) + S([2]) == S([1, 2]) and [1] + S([2]) == S([1, 2])
    msc = S.most_specific_compatible_shape
    assert msc(S([2, 3]), S([2, 4])) == S([2, None]) == msc(S([2, None]), S([2, 4]))
    assert msc(S([1, 2]), S([1, 2])) == S([1, 2])
    assert msc(S([2]), S([2, 3])) == S(None) and msc(S(None), S([1])) == S(None)


@pytest.mark.parametrize("a, b, ok", [
    ([2, None], [2, 3], True), ([2, None], [3, 3], False), ([2], [2, 3], False),
    (None, [1, 2, 3], True), ([], [], True), ([], None, True), ([None], [None], True),
])
def test_is_compatible_with(a, b, ok):
    assert S(a).is_compatible_with(S(b)) is ok and S(b).is_compatible_with(S(a)) is ok


def test_with_rank():
    assert S([2, None]).with_rank(2) == S([2, None])
    assert S(None).with_rank(2) == S([None, None]) and S(None).with_rank(0) == S([])
    assert S([1, 2]).with_rank_at_least(1) == S([1, 2]) == S([1, 2]).with_rank_at_most(2)
    assert S(None).with_rank_at_most(0).rank is None
    S(None).assert_has_rank(3)


@pytest.mark.parametrize("call, message", [
    (lambda: S([2, None]).merge_with(S([3, None])),
     r"Shapes \(2, None\) and \(3, None\) are not compatible"),
    (lambda: S([2]).merge_with(S([2, 3])), r"Shapes \(2,\) and \(2, 3\) are not compatible"),
    (lambda: S([1, 2]).assert_is_compatible_with([1, 3]),  # `other` printed as given
     r"Shapes \(1, 2\) and \[1, 3\] are incompatible"),
    (lambda: S([2, None]).with_rank(3), r"Shape \(2, None\) must have rank 3"),
    (lambda: S([1, 2]).with_rank_at_least(3), r"Shape \(1, 2\) must have rank at least 3"),
    (lambda: S([1, 2]).with_rank_at_most(1), r"Shape \(1, 2\) must have rank at most 1"),
    (lambda: S([1, 2]).assert_has_rank(3), r"Shape \(1, 2\) must have rank 3"),
    (lambda: S([1, None]).assert_is_fully_defined(), r"Shape \(1, None\) is not fully def"),
    (lambda: S([-1]), "Dimension -1 must be >= 0"),
])
def test_shape_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_shape_equality_and_hash():
    assert S([2, None]) == S([2, None]) and S([None]) == S([None])
    assert S([2, 3]) == [2, 3] and S([2, 3]) == (2, 3) and S([1]) == 1
    assert S(None) == S(None) and S(None) == None  # noqa: E711
    assert S([]) != S(None) and S([1]) != S([2]) and S([1]) != "x" and S([1]) != None  # noqa
    assert len({S([1, 2]), S((1, 2)), S([None])}) == 2


# In error-code order 1..16; the code constant is the name in UPPER_SNAKE without "Error".
ERRORS = ["CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
          "NotFoundError", "AlreadyExistsError", "PermissionDeniedError",
          "ResourceExhaustedError", "FailedPreconditionError", "AbortedError", "OutOfRangeError",
          "UnimplementedError", "InternalError", "UnavailableError", "DataLossError",
          "UnauthenticatedError"]


@pytest.mark.parametrize("code, name", list(enumerate(ERRORS, start=1)))
def test_error_subclass(code, name):
    cls = getattr(errors, name)
    assert getattr(errors, re.sub(r"(?<!^)([A-Z])", r"_\1", name[:-5]).upper()) == code
    assert cls.__name__ == name and cls.__mro__[1] is errors.OpError
    assert (cls("NODE_DEF", "OP", "m").node_def, cls("NODE_DEF", "OP", "m").op) == (
        "NODE_DEF", "OP")
    err = cls(None, None, "boom happened")  # eager errors carry no op
    assert isinstance(err, errors.OpError) and isinstance(err, Exception)
    assert err.error_code == code and (err.op, err.node_def) == (None, None)
    assert str(err) == "boom happened" and err.message == "boom happened"
    assert errors.exception_type_from_error_code(code) is cls
    assert errors.error_code_from_exception_type(cls) == code
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is cls and str(again) == "boom happened" and again.error_code == code
    with pytest.raises(errors.OpError, match="boom happened"):
        raise err


def test_op_error_and_codes():
    assert errors.OK == 0
    err = errors.OpError(None, None, "msg", errors.ABORTED)
    assert (str(err), err.error_code, err.op, err.node_def) == ("msg", 10, None, None)
    assert errors.AbortedError(None, None, "m", 7).error_code == errors.ABORTED
    for code in (0, 99):
        with pytest.raises(KeyError):
            errors.exception_type_from_error_code(code)
    with pytest.raises(TypeError):
        errors.NotFoundError()
