"""linalg (matmul, tensordot, einsum, norms, clipping, diagonals, svd) and sort (top_k,
sort, argsort, unique, searchsorted): TensorFlow's errors (class and message), edge
cases, gradients against TensorFlow's numbers, static inference with unknown shapes,
and the dynamic-shape gradient paths graph mode takes."""

import numpy as np
import pytest

import eager  # noqa: F401  (installs the eager executor)
from eager.tape import GradientTape
from engine import dtypes, errors
from engine.ops import linalg as la
from engine.ops import linalg_diag
from engine.ops import linalg_einsum as _einsum
from engine.ops import sort as so
from engine.ops.core import constant
from tests.fakes import FakeOp, Sym
from engine.shapes import TensorShape

F32 = np.float32


def _grad(fn, *values):
    xs = [constant(np.asarray(v)) for v in values]
    with GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = fn(*xs)
    grads = tape.gradient(y, xs)
    return [g.numpy() for g in grads] if len(xs) > 1 else grads[0].numpy()


def _raises(cls, message, fn):
    with pytest.raises(cls) as info:
        fn()
    assert message in str(info.value), str(info.value)
    return info.value



def _f(shape):
    return Sym(dtypes.float32, shape)


def _k(value):
    return Sym(dtypes.int32, [], None if value is None else np.int32(value))


# ---------------------------------------------------------------- matmul ---------------

def test_matmul_keeps_dtype_and_converts_python_operands_to_the_tensor_dtype():
    a = constant(np.ones((2, 3), F32))
    out = la.matmul(a, [[3.0], [4.0], [5]])
    assert out.dtype is dtypes.float32
    np.testing.assert_array_equal(out.numpy(), [[12.0], [12.0]])
    ints = la.matmul(np.full((2, 3), 100000, np.int32), np.full((3, 2), 100000, np.int32))
    assert ints.dtype is dtypes.int32 and ints.numpy()[0, 0] == -64771072  # wraps as TF
    product = constant(np.eye(2, dtype=F32)) @ constant(np.full((2, 2), 3.0, F32))
    assert product.dtype is dtypes.float32 and product.numpy().tolist() == [[3, 3], [3, 3]]
    assert la.matmul(np.ones((0, 2, 3), F32), np.ones((3, 2), F32)).shape == [0, 2, 2]
    wide = la.matmul(np.ones((2, 3), np.int8), np.ones((3, 2), np.int8), output_type="int32")
    assert wide.dtype is dtypes.int32 and wide.numpy().tolist() == [[3, 3], [3, 3]]


@pytest.mark.parametrize("fn, cls, message", [
    (lambda: la.matmul(np.ones((2, 3), F32), np.ones((2, 3), F32)), errors.InvalidArgumentError,
     "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3] [Op:MatMul]"),
    (lambda: la.matmul(np.ones((2, 2, 3), F32), np.ones((2, 2, 3), F32)),
     errors.InvalidArgumentError,
     "Matrix size-incompatible: In[0]: [2,2,3], In[1]: [2,2,3] 0 0 [Op:BatchMatMulV2]"),
    (lambda: la.matmul(np.ones((2, 2, 3), F32), np.ones((3, 3, 2), F32)),
     errors.InvalidArgumentError, ("In[0] and In[1] must have compatible batch dimensions: "
     "[2,2,3] vs. [3,3,2] [Op:BatchMatMulV2]")),
    (lambda: la.matmul(np.ones(3, F32), np.ones((3, 1), F32)), errors.InvalidArgumentError,
     "In[0] ndims must be >= 2 [Op:MatMul]"),
    (lambda: la.matmul(np.ones((2, 3), bool), np.ones((3, 2), bool)),
     errors.InvalidArgumentError, ("Value for attr 'T' of bool is not in the list of allowed "
     "values: bfloat16, half, float, double, int32")),
    (lambda: la.matmul(np.ones((1, 2, 3), np.int8), np.ones((1, 3, 2), np.int8)),
     errors.InvalidArgumentError, "Value for attr 'T' of int8 is not in the list"),
    (lambda: la.matmul(np.ones((2, 3)), constant(np.ones((3, 2), F32))),
     errors.InvalidArgumentError, ("cannot compute MatMul as input #1(zero-based) was expected "
     "to be a double tensor but is a float tensor")),
    (lambda: la.matmul(np.ones((2, 3), F32), np.ones((3, 2), F32), output_type=dtypes.int32),
     errors.NotFoundError, "Could not find device for node: {{node BatchMatMulV3}}"),
    (lambda: la.matmul(np.ones((2, 2), F32), np.ones((2, 2), F32), transpose_a=True,
                       adjoint_a=True), ValueError,
     ("Only one of `transpose_a` and `adjoint_a` can be True. Received `transpose_a`=True, "
     "`adjoint_a`=True.")),
])
def test_matmul_errors_in_tensorflows_words(fn, cls, message):
    _raises(cls, message, fn)


def test_matmul_infer_shapes_and_graph_errors():
    mm = {"transpose_a": False, "transpose_b": False}
    assert la.MATMUL.infer([_f([None, 3]), _f([3, None])], mm)[0][1].as_list() == [None, None]
    assert la.MATMUL.infer([_f([3, 2]), _f([5, 3])], {"transpose_a": True,
                                                      "transpose_b": True})[0][1] == [2, 5]
    _raises(ValueError, "Dimensions must be equal, but are 3 and 2 for 'MatMul' with input "
            "shapes: [2,3], [2,3].", lambda: la.MATMUL.infer([_f([2, 3]), _f([2, 3])], mm))
    _raises(ValueError, "Shape must be rank 2 but is rank 1 for 'MatMul' with input shapes: "
            "[3], [3,2].", lambda: la.MATMUL.infer([_f([3]), _f([3, 2])], mm))
    _raises(TypeError, "Input 1 of 'MatMul' Op has type float64 that does not match type "
            "float32", lambda: la.MATMUL.infer([_f([2, 3]), Sym(dtypes.float64, [3, 2])], mm))
    _raises(TypeError, "Value passed to parameter 'a' has DataType bool", lambda: la.MATMUL.infer(
        [Sym(dtypes.bool, [2, 2]), Sym(dtypes.bool, [2, 2])], mm))
    bmm = {"adj_x": False, "adj_y": True}
    out = la.BATCH_MATMUL.infer([_f([None, 1, 2, 3]), _f([5, 4, 3])], bmm)[0][1]
    assert out.as_list() == [None, 5, 2, 4]
    assert la.BATCH_MATMUL.infer([_f(None), _f([4, 3])], bmm)[0][1].rank is None
    _raises(ValueError, "Dimensions must be equal, but are 4 and 3 for 'BatchMatMulV2' with "
            "input shapes: [4,2,3], [3,3,2].", lambda: la.BATCH_MATMUL.infer(
                [_f([4, 2, 3]), _f([3, 3, 2])], {"adj_x": False, "adj_y": False}))
    _raises(ValueError, "Shape must be at least rank 2 but is rank 1 for 'BatchMatMulV2'",
            lambda: la.BATCH_MATMUL.infer([_f([3]), _f([2, 3, 2])], bmm))


def test_matmul_gradients_match_tensorflow_and_sum_broadcast_batches():
    ga, gb = _grad(la.matmul, np.arange(6, dtype=F32).reshape(2, 3),
                   np.ones((3, 2), F32))
    np.testing.assert_array_equal(ga, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(gb, [[3, 3], [5, 5], [7, 7]])
    x, y = np.ones((4, 1, 2, 3)), np.arange(30.0).reshape(5, 3, 2)
    gx, gy = _grad(la.matmul, x, y)
    assert gx.shape == (4, 1, 2, 3) and gy.shape == (5, 3, 2)
    np.testing.assert_allclose(gx, np.broadcast_to(y.sum(-1).sum(0), (4, 1, 2, 3)))
    np.testing.assert_allclose(gy, np.full((5, 3, 2), 8.0))


# ---------------------------------------------------------------- tensordot ------------

@pytest.mark.parametrize("axes, cls, message", [
    (-1, ValueError, "`axes` must be at least 0. Received: -1."),
    (3, ValueError, "`axes` must not be larger than the number of dimensions of tensor"),
    ([[0, 1], [0]], ValueError, "Different number of contraction axes `a` and `b`, 2 != 1."),
    ([[0], [0], [1]], ValueError, ("`axes` must be an integer or have length 2. Received "
                                  "[[0], [0], [1]].")),
    ([[0], [0]], errors.InvalidArgumentError,
     "Matrix size-incompatible: In[0]: [3,2], In[1]: [3,4]"),
])
def test_tensordot_errors(axes, cls, message):
    _raises(cls, message, lambda: la.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes))


def test_tensordot_full_contraction_is_a_scalar_and_keeps_int_dtype():
    x = np.arange(6.0).reshape(2, 3)
    assert la.tensordot(x, x.T, [[0, 1], [1, 0]]).numpy() == 55.0
    out = la.tensordot(np.ones((2, 3), np.int32), np.ones(3, np.int32), 1)
    assert out.dtype is dtypes.int32 and out.numpy().tolist() == [3, 3]


# ---------------------------------------------------------------- einsum ---------------

@pytest.mark.parametrize("fn, cls, message", [
    (lambda: la.einsum("ij,jk->ik", np.ones((2, 3))), ValueError,
     'Got 1 inputs for equation "ij,jk->ik", expecting 2'),
    (lambda: la.einsum("ij->ji"), ValueError, 'Got 0 inputs for equation "ij->ji", expecting 1'),
    (lambda: la.einsum("ij,jk->ikl", np.ones((2, 3)), np.ones((3, 4))), ValueError,
     "Output subscripts contain the label l not present in the input subscripts."),
    (lambda: la.einsum("i->ii", np.ones(3)), ValueError,
     "Output subscripts contain a label appearing more than once: i->ii"),
    (lambda: la.einsum("i.j->i", np.ones((2, 3))), ValueError,
     "Subscripts have incorrect format: i.j->i"),
    (lambda: la.einsum("ij->ji", np.ones((2, 3)), foo=1), TypeError,
     "Invalid keyword arguments for einsum: foo. Valid arguments: name, optimize, greedy."),
    (lambda: la.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((2, 3))),
     errors.InvalidArgumentError, ("Expected dimension 3 at axis 0 of the input shaped [2,3] "
     "but got dimension 2 [Op:Einsum]")),
    (lambda: la.einsum("ij,ij->", np.ones((2, 3)), np.ones((2, 1))), errors.InvalidArgumentError,
     "Expected dimension 3 at axis 1 of the input shaped [2,1] but got dimension 1"),
    (lambda: la.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4, 5))),
     errors.InvalidArgumentError, "Expected input 1 to have rank 2 but got: 3"),
    (lambda: la.einsum("...i->i", np.ones((2, 3))), errors.InvalidArgumentError,
     ("Output contains 1 broadcasting dimension(s) but no ellipsis (...) was found in the "
     "output subscripts.")),
    (lambda: la.einsum("...ij,...jk->...ik", np.ones((2, 2, 3)), np.ones((3, 3, 4))),
     errors.InvalidArgumentError, ("In[0] and In[1] must have compatible batch dimensions: "
     "[2,2,3] vs. [3,3,4]")),
    (lambda: la.einsum("ij->", np.ones((2, 3), bool)), errors.InvalidArgumentError,
     "Value for attr 'T' of bool is not in the list of allowed values"),
    (lambda: la.einsum("ij,ij->ij", np.ones((2, 3)), np.ones((2, 3), np.float32)),
     errors.InvalidArgumentError, ("cannot compute Einsum as input #1(zero-based) was expected "
     "to be a double tensor but is a float tensor")),
])
def test_einsum_errors_in_tensorflows_words(fn, cls, message):
    _raises(cls, message, fn)


def test_einsum_op_fills_diagonals_for_repeated_output_labels():
    """The gradient of "ii->i" is "i->ii": TensorFlow's Einsum op allows it (the public
    einsum does not)."""
    out = _einsum._op([constant(np.array([1.0, 2.0], F32))], ["i"], "ii")
    assert out.dtype is dtypes.float32
    np.testing.assert_array_equal(out.numpy(), [[1, 0], [0, 2]])
    batch = _einsum._op([constant(np.ones((3, 2)))], [".i"], ".ii")
    np.testing.assert_array_equal(batch.numpy(), np.broadcast_to(np.eye(2), (3, 2, 2)))


def test_einsum_gradients_match_tensorflow():
    np.testing.assert_array_equal(_grad(lambda x: la.einsum("ij->j", x), np.ones((2, 3))),
                                  np.ones((2, 3)))
    np.testing.assert_array_equal(_grad(lambda x: la.einsum("ii", x), np.ones((3, 3))),
                                  np.eye(3))
    gx, gy = _grad(lambda x, y: la.einsum("...ij,jk->...ik", x, y), np.ones((4, 2, 3)),
                   np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(gx, np.broadcast_to([1.0, 5.0, 9.0], (4, 2, 3)))
    np.testing.assert_array_equal(gy, np.full((3, 2), 8.0))


def test_einsum_more_than_two_operands_builds_pairwise_einsum_ops():
    seen = []
    real = la.EINSUM.kernel

    def spy(*arrays, equation):
        seen.append(equation)
        return real(*arrays, equation=equation)
    la.EINSUM.kernel = spy
    try:
        out = la.einsum("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5)))
    finally:
        la.EINSUM.kernel = real
    np.testing.assert_array_equal(out.numpy(), np.full((2, 5), 12.0))
    assert len(seen) == 2 and all(eq.count(",") == 1 for eq in seen)
    assert seen[-1].endswith("->il")


def test_einsum_infer_shapes_and_errors():
    def infer(eq, *shapes):
        return _einsum.EINSUM.infer([_f(s) for s in shapes], {"equation": eq})[0][1]
    assert infer("ij,jk->ik", [2, 3], [3, None]).as_list() == [2, None]
    assert infer("ij,jk->ik", [None, None], [3, 4]).as_list() == [None, 4]
    assert infer("...ij,...jk->...ik", [None, 1, 2, 3], [5, 3, 4]).as_list() == [None, 5, 2, 4]
    assert infer("...ij->...ji", None).rank is None
    assert infer("ij,jk->ik", None, [3, 4]).as_list() == [None, 4]
    _raises(ValueError, "Dimensions must be equal, but are 3 and 2 for 'Einsum' with input "
            "shapes: [2,3], [2,4].", lambda: infer("ij,jk->ik", [2, 3], [2, 4]))
    _raises(ValueError, "Shape must be rank 2 but is rank 3\n    \t for 1th input and "
            "equation: ij,jk->ik for 'Einsum' with input shapes: [2,3], [3,4,5].",
            lambda: infer("ij,jk->ik", [2, 3], [3, 4, 5]))


# ---------------------------------------------------------------- norms, clipping ------

@pytest.mark.parametrize("kwargs, message", [
    ({"ord": "fro"}, "'ord' must be a supported vector norm, got fro"),
    ({"ord": -1}, "'ord' must be a supported vector norm, got -1"),
    ({"ord": -1, "axis": [0, 1]}, ("'ord' must be a supported matrix norm in ['euclidean', "
                                  "'fro', 1, 2, inf], got -1")),
    ({"axis": [0, 0]}, ("'axis' must be None, an integer, or a tuple of 2 unique integers, "
                       "got (0, 0)")),
    ({"axis": [0, 1, 2]}, ("'axis' must be None, an integer, or a tuple of 2 unique integers, "
                          "got [0, 1, 2]")),
])
def test_norm_argument_errors(kwargs, message):
    _raises(ValueError, message, lambda: la.norm(np.ones((2, 2), F32), **kwargs))


def test_norm_values_dtypes_and_gradients_match_tensorflow():
    m = np.array([[1.0, -2.0], [3.0, 4.0]], F32)
    expected = {"euclidean": 5.477226, 1: 6.0, 2: 5.1166735, np.inf: 7.0, "fro": 5.477226}
    for ord, value in expected.items():  # noqa: A001
        out = la.norm(m, ord=ord, axis=[0, 1])
        assert out.dtype is dtypes.float32 and out.numpy() == pytest.approx(value, rel=1e-6)
    assert la.norm(m, ord=1).numpy() == 10.0  # no axis: the flattened vector
    assert la.norm(np.array([3.0, 4.0], F32), ord=0.5).numpy() == pytest.approx(13.928204)
    _raises(errors.InvalidArgumentError, "DataType int32 not in list of allowed values",
            lambda: la.norm(np.array([1, 2], np.int32)))  # from Sqrt, as in TensorFlow
    np.testing.assert_allclose(
        _grad(lambda x: la.norm(x, ord=2, axis=[0, 1]), np.array([[1, 2], [3, 5]], F32)),
        [[0.18084942, 0.30823487], [0.47263387, 0.80554444]], rtol=1e-5)


def test_global_norm_and_clip_by_global_norm_match_tensorflow():
    x = np.array([[1.0, 2.0], [3.0, 5.0]], F32)
    np.testing.assert_allclose(
        _grad(lambda t: la.global_norm([t, None, t * 2]), x),
        [[0.35805744, 0.7161149], [1.0741723, 1.7902873]], rtol=1e-6)
    clipped, norm = la.clip_by_global_norm([constant(x), None, constant(x * 2)], 1.0)
    assert clipped[1] is None and norm.numpy() == pytest.approx(13.96424)
    np.testing.assert_allclose(clipped[0].numpy(), x / 13.96424, rtol=1e-6)
    assert clipped[2].dtype is dtypes.float32
    for empty in ([], [None]):
        zero = la.global_norm(empty)
        assert zero.dtype is dtypes.float32 and zero.numpy() == 0.0
    _raises(TypeError, "`t_list` should be a sequence of tensors. Received",
            lambda: la.clip_by_global_norm(constant(x), 1.0))
    _raises(errors.InvalidArgumentError, "[Op:L2Loss]",
            lambda: la.global_norm([np.array([3, 4], np.int32)]))


def test_clip_by_global_norm_gives_nan_for_an_infinite_norm():
    clipped, norm = la.clip_by_global_norm([np.array([np.inf, 2.0], F32)], 1.0)
    assert np.isinf(norm.numpy()) and np.isnan(clipped[0].numpy()).all()


def test_clip_by_norm_values_and_errors():
    x = np.array([[1.0, 2.0], [3.0, 5.0]], F32)
    np.testing.assert_allclose(la.clip_by_norm(x, 1.0, axes=[1]).numpy(),
                               [[0.4472136, 0.8944272], [0.5144958, 0.857493]], rtol=1e-6)
    np.testing.assert_array_equal(la.clip_by_norm(x, 100.0).numpy(), x)
    np.testing.assert_array_equal(_grad(lambda t: la.clip_by_norm(t, 1.0), np.zeros(3)),
                                  np.ones(3))
    _raises(errors.InvalidArgumentError, "[Op:Sqrt]",
            lambda: la.clip_by_norm(np.array([1, 2], np.int32), 1))
    _raises(ValueError, "incompatible", lambda: la.clip_by_norm(np.ones(2, F32),
                                                                np.ones((2, 2), F32)))


# ---------------------------------------------------------------- diagonals, svd -------

@pytest.mark.parametrize("fn, cls, message", [
    (lambda: la.trace(np.ones(3)), errors.InvalidArgumentError,
     "input must be at least 2-dim, received shape: [3] [Op:MatrixDiagPartV3]"),
    (lambda: la.diag_part(np.ones((3, 4)), k=4), errors.InvalidArgumentError,
     "lower_diag_index is out of bound: 4. It must be between -3 and 4"),
    (lambda: la.diag_part(np.ones((3, 4)), k=(0, 1)), errors.UnimplementedError, "band"),
    (lambda: la.diag([1.0, 2.0], num_rows=1), errors.InvalidArgumentError,
     "The number of rows is too small. [Op:MatrixDiagV3]"),
    (lambda: la.diag([1.0, 2.0], num_rows=3, num_cols=3), errors.InvalidArgumentError,
     ("The number of rows or columns is not consistent with the specified d_lower, d_upper, "
     "and diagonal.")),
    (lambda: la.diag(3.0), errors.InvalidArgumentError,
     "diagonal must be at least 1-dim, received shape: []"),
    (lambda: la.matrix_transpose(np.ones(3, F32)), ValueError,
     ("Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = [1. 1. 1.] with "
     "shape: (3,)")),
    (lambda: la.svd(np.ones(3, F32)), errors.InvalidArgumentError,
     "Input tensor 0 must have rank >= 2, got 1 [Op:Svd]"),
    (lambda: la.svd(np.ones((2, 2), np.int32)), errors.InvalidArgumentError,
     "Value for attr 'T' of int32 is not in the list of allowed values: double, float"),
])
def test_diagonal_and_svd_errors(fn, cls, message):
    _raises(cls, message, fn)


def test_diag_defaults_infer_and_gradients():
    np.testing.assert_array_equal(la.diag([1.0, 2.0], k=1).numpy(),
                                  [[0, 1, 0], [0, 0, 2], [0, 0, 0]])
    np.testing.assert_array_equal(la.diag([1.0, 2.0], padding_value=9).numpy(),
                                  [[1, 9], [9, 2]])
    assert la.diag(np.array([1, 2], np.int32)).dtype is dtypes.int32
    np.testing.assert_array_equal(_grad(lambda x: la.trace(x) * 2.0, np.ones((2, 3))),
                                  [[2, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(_grad(lambda d: la.diag(d, k=1) * np.arange(9.0).reshape(
        3, 3), np.ones(2)), [1.0, 5.0])
    part = la.MATRIX_DIAG_PART.infer([_f([None, 3, 4]), _k(-1), _f([])], {"align": "R"})[0]
    assert part[1].as_list() == [None, 2]
    assert la.MATRIX_DIAG_PART.infer([_f([2, 3]), _k(None), _f([])], {})[0][1] == [None]
    full = la.MATRIX_DIAG.infer([_f([2, 3]), _k(1), _k(-1), _k(-1), _f([])], {})[0][1]
    assert full.as_list() == [2, 4, 4]
    _raises(ValueError, "The number of rows is too small. for 'MatrixDiagV3'",
            lambda: la.MATRIX_DIAG.infer([_f([2]), _k(0), _k(1), _k(-1), _f([])], {}))
    _raises(ValueError, "Shape must be at least rank 2 but is rank 1 for 'MatrixDiagPartV3'",
            lambda: la.MATRIX_DIAG_PART.infer([_f([3]), _k(0), _f([])], {}))


def test_svd_reconstructs_and_differentiates_only_singular_values():
    x = np.array([[1.0, 2.0, 0.0], [3.0, 5.0, 1.0]], F32)
    s, u, v = la.svd(x)
    assert s.dtype is dtypes.float32 and u.shape == [2, 2] and v.shape == [3, 2]
    np.testing.assert_allclose(u.numpy() @ np.diag(s.numpy()) @ v.numpy().T, x, atol=1e-5)
    _, u_full, v_full = la.svd(x, full_matrices=True)
    assert u_full.shape == [2, 2] and v_full.shape == [3, 3]
    assert la.SVD.infer([_f([4, None, 3])], {"compute_uv": True, "full_matrices": False})[2][
        1].as_list() == [4, 3, None]
    xt = constant(x)
    with GradientTape() as tape:
        tape.watch(xt)
        s, _, _ = la.svd(xt)
    with pytest.raises(NotImplementedError, match="compute_uv=False"):
        tape.gradient(s, xt)


# ---------------------------------------------------------------- top_k, sort ----------

@pytest.mark.parametrize("fn, cls, message", [
    (lambda: so.top_k(np.float32(3.0)), errors.InvalidArgumentError,
     "input must be >= 1-D, got shape [] [Op:TopKV2]"),
    (lambda: so.top_k(np.ones(2, F32), 3), errors.InvalidArgumentError,
     "input must have at least k columns. Had 2, needed 3"),
    (lambda: so.top_k(np.ones(2, F32), -1), errors.InvalidArgumentError, "Need k >= 0, got -1"),
    (lambda: so.top_k(np.array([True, False]), 1), errors.InvalidArgumentError,
     "Value for attr 'T' of bool is not in the list of allowed values: float, double"),
    (lambda: so.sort([1, 3, 2], direction="desc"), ValueError,
     "Argument `direction` should be one of ASCENDING, DESCENDING. Received: direction=desc"),
    (lambda: so.sort([1, 3, 2], axis=1), errors.InvalidArgumentError,
     "slice index 1 of dimension 0 out of bounds."),
    (lambda: so.sort(np.int32(3)), errors.InvalidArgumentError,
     "slice index -1 of dimension 0 out of bounds."),
    (lambda: so.sort([1, 3, 2], axis=0.5), ValueError,
     "Argument `axis` must be a constant scalar. Received: axis=0.5."),
    (lambda: so.unique(np.ones((2, 2))), errors.InvalidArgumentError,
     "unique expects a 1D vector. [Op:Unique]"),
    (lambda: so.unique(np.ones(2), out_idx=dtypes.float32), errors.InvalidArgumentError,
     "Value for attr 'out_idx' of float32 is not in the list of allowed values: int32, int64"),
    (lambda: so.searchsorted([1, 3, 5], [3], side="middle"), ValueError,
     "Argument `side` must be either 'right' or 'left'. Received: `side` = 'middle'."),
    (lambda: so.searchsorted([[1, 3, 5]], [[3], [4]]), errors.InvalidArgumentError,
     "Leading dim_size of both tensors must match. [Op:LowerBound]"),
    (lambda: so.searchsorted([1.0, 3.0, 5.0], [3, 0, 6]), errors.InvalidArgumentError,
     ("cannot compute LowerBound as input #1(zero-based) was expected to be a float tensor but "
     "is a int32 tensor")),
    (lambda: so.searchsorted([1, 3, 5], 3), errors.InvalidArgumentError,
     "slice index -1 of dimension 0 out of bounds."),
    (lambda: so.searchsorted([1, 3, 5], [3], out_type=dtypes.float32),
     errors.InvalidArgumentError, "Value for attr 'out_type' of float32 is not in the list"),
])
def test_sort_family_errors_in_tensorflows_words(fn, cls, message):
    _raises(cls, message, fn)


def test_ties_signed_zero_and_tensor_axis_as_tensorflow():
    values, indices = so.top_k(np.array([1, 3, 3, 2, 3], np.int32), 3)
    assert values.numpy().tolist() == [3, 3, 3] and indices.numpy().tolist() == [1, 2, 4]
    assert indices.dtype is dtypes.int32
    assert so.top_k(np.ones(3, F32), 2, index_type=dtypes.int64)[1].dtype is dtypes.int64
    x = np.array([1, 3, 3, 2, 3], np.int32)
    assert so.argsort(x, direction="DESCENDING").numpy().tolist() == [1, 2, 4, 3, 0]
    assert so.argsort(x).numpy().tolist() == [0, 3, 1, 2, 4]
    out = so.sort(np.array([0.0, -0.0, -1.0], F32)).numpy()
    assert out.tolist() == [-1.0, 0.0, 0.0] and np.signbit(out).tolist() == [True, False, True]
    assert so.sort([1, 3, 2], axis=constant(np.int32(0))).numpy().tolist() == [1, 2, 3]
    assert so.sort(np.array([1, 200, 0], np.uint8)).numpy().tolist() == [0, 1, 200]


def test_unique_keeps_first_seen_order_strings_and_distinct_nans():
    y, idx = so.unique(np.array([3, 1, 3, 2, 1], np.int32), out_idx=dtypes.int64)
    assert y.numpy().tolist() == [3, 1, 2] and idx.numpy().tolist() == [0, 1, 0, 2, 1]
    assert y.dtype is dtypes.int32 and idx.dtype is dtypes.int64
    y, idx = so.unique(np.array([0.0, -0.0, np.nan, np.nan], F32))
    assert y.numpy()[0] == 0 and np.isnan(y.numpy()[1:]).all() and idx.numpy().tolist() == [
        0, 0, 1, 2]
    y, idx = so.unique(constant([b"b", b"a", b"b"]))
    assert y.numpy().tolist() == [b"b", b"a"] and idx.numpy().tolist() == [0, 1, 0]
    assert so.UNIQUE.infer([_f([4])], {"out_idx": dtypes.int32})[0][1].as_list() == [None]


def test_searchsorted_values():
    assert so.searchsorted([[1, 3, 5], [2, 4, 6]], [[3], [7]]).numpy().tolist() == [[1], [3]]
    assert so.searchsorted([1, 3, 5], [3, 0, 6], side="right").numpy().tolist() == [2, 0, 3]
    out = so.searchsorted(np.zeros((2, 0), F32), np.array([[3.0], [4.0]], F32))
    assert out.numpy().tolist() == [[0], [0]]


def test_top_k_and_sort_gradients_match_tensorflow():
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], F32)
    np.testing.assert_array_equal(
        _grad(lambda t: so.top_k(t, 2)[0] * np.array([[1.0, 10.0]], F32), x),
        [[1, 0, 10], [0, 1, 10]])
    weights = np.array([[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]], F32)
    np.testing.assert_array_equal(_grad(lambda t: so.sort(t, axis=0) * weights, x),
                                  [[2, 10, 100], [1, 20, 200]])
    np.testing.assert_array_equal(
        _grad(lambda t: so.sort(t, direction="DESCENDING") * weights, x),
        [[1, 100, 10], [200, 2, 20]])


def test_top_k_infer_shapes_and_graph_errors():
    attrs = {"sorted": True, "index_type": dtypes.int32}
    vals, idx = so.TOP_K.infer([_f([4, 5]), _k(None)], attrs)
    assert vals[1].as_list() == [4, None] and idx == (dtypes.int32, TensorShape([4, None]))
    assert so.TOP_K.infer([_f(None), _k(2)], attrs)[0][1].rank is None
    _raises(ValueError, "input must have last dimension >= k = 3 but is 2 for 'TopKV2' with "
            "input shapes: [4,2], [] and with computed input tensors: input[1] = <3>.",
            lambda: so.TOP_K.infer([_f([4, 2]), _k(3)], attrs))
    _raises(ValueError, "Dimension size, given by scalar input 1, must be non-negative but is "
            "-1", lambda: so.TOP_K.infer([_f([4, 2]), _k(-1)], attrs))
    _raises(ValueError, "Shape must be at least rank 1 but is rank 0 for 'TopKV2'",
            lambda: so.TOP_K.infer([_f([]), _k(1)], attrs))
    _raises(ValueError, "Shape must be rank 1 but is rank 2 for 'Unique' with input shapes: "
            "[4,5].", lambda: so.UNIQUE.infer([_f([4, 5])], {"out_idx": dtypes.int32}))


# ---------------------------------------------------------------- dynamic shapes --------

def test_einsum_gradient_dynamic_path(hide):
    x_value, y_value = np.arange(24.0).reshape(2, 3, 4), np.arange(20.0).reshape(4, 5)
    for shapes in ((None, None), ([None, 3, None], [4, None])):
        x, y = hide(x_value, shapes[0]), hide(y_value, shapes[1])
        g = constant(np.ones((2, 5)))
        op = FakeOp([x, y], [None], equation="abc,cd->ad")
        gx, gy = _einsum._einsum_grad(op, g)
        np.testing.assert_allclose(gx.numpy(), np.broadcast_to(y_value.sum(1), (2, 3, 4)))
        np.testing.assert_allclose(gy.numpy(), np.broadcast_to(
            x_value.sum(1).sum(0)[:, None], (4, 5)))
    a, b = hide(np.ones((4, 1, 2, 3))), hide(np.ones((5, 3, 2)))
    op = FakeOp([a, b], [None], equation="...ij,...jk->...ik")
    ga, gb = _einsum._einsum_grad(op, constant(np.ones((4, 5, 2, 2))))
    np.testing.assert_allclose(ga.numpy(), np.full((4, 1, 2, 3), 10.0))
    np.testing.assert_allclose(gb.numpy(), np.full((5, 3, 2), 8.0))


def test_top_k_diag_and_tensordot_dynamic_paths(hide):
    x_value = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    x = hide(x_value)
    idx = hide(np.array([[0, 2], [1, 2]], np.int32))
    op = FakeOp([x, None], [None, idx])
    grad, _ = so._top_k_grad(op, constant(np.array([[1.0, 10.0], [1.0, 10.0]])), None)
    np.testing.assert_array_equal(grad.numpy(), [[1, 0, 10], [0, 1, 10]])
    op = FakeOp([hide(np.ones((2, 3))), constant(np.int32(1)), None], [None], align="RIGHT_LEFT")
    grad, _, _ = linalg_diag._diag_part_grad(op, constant(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(grad.numpy(), [[0, 1, 0], [0, 0, 2]])
    a, b = hide(np.ones((2, 3)), [None, 3]), hide(np.arange(12.0).reshape(3, 4), [3, None])
    np.testing.assert_array_equal(la.tensordot(a, b, 1).numpy(), np.ones((2, 3)) @ np.arange(
        12.0).reshape(3, 4))
    out = so.searchsorted(hide(np.array([[1, 3, 5]]), [None, None]),
                          hide(np.array([[3, 6]]), [None, None]))
    assert out.numpy().tolist() == [[1, 3]]
