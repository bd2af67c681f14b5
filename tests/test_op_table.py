"""Runs every row of the op-spec tables (tests/op_specs/*_specs.py).

For each row: the forward result equals the numpy reference with its dtype kept; every
op executed has its `infer` checked against the real outputs (a checking executor);
float inputs pass a float64 random-direction finite-difference gradient check (HIPS
autograd's checker: two evaluations whatever the input size), and second order where
the row asks for it.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import tests.op_specs as op_specs_pkg
from engine import context, nest
from eager.executor import EagerExecutor
from eager.tape import GradientTape
from eager.tensor import EagerTensor
from engine.ops.core import constant, convert_inputs


def _collect():
    specs = []
    for info in pkgutil.iter_modules(op_specs_pkg.__path__):
        if info.name.endswith("_specs"):
            module = importlib.import_module(f"tests.op_specs.{info.name}")
            specs.extend(module.SPECS)
    names = [s.name for s in specs]
    duplicated = {n for n in names if names.count(n) > 1}
    assert not duplicated, f"duplicate spec names: {duplicated}"
    return specs


SPECS = _collect()


class CheckingExecutor(EagerExecutor):
    """Eager execution that also checks each op's static inference against its outputs."""

    def __init__(self):
        super().__init__()
        self.checked = set()

    def run_op(self, op, inputs, attrs, name):
        if any(type(t) is not EagerTensor for t in inputs):
            inputs = convert_inputs(op, inputs)
        result = super().run_op(op, inputs, attrs, name)
        outputs = result if op.multi else (result,)
        inferred = op.infer(list(inputs), attrs or {})
        assert len(inferred) == len(outputs), (
            f"{op.name}: infer gives {len(inferred)} outputs, kernel {len(outputs)}")
        for i, ((dtype, shape), out) in enumerate(zip(inferred, outputs)):
            assert dtype == out.dtype, f"{op.name} output {i}: infer {dtype}, real {out.dtype}"
            assert shape.is_compatible_with(out.shape), (
                f"{op.name} output {i}: infer {shape}, real {out.shape}")
        self.checked.add(op.name)
        return result


@pytest.fixture
def checking():
    executor = CheckingExecutor()
    with context.executor_scope(executor):
        yield executor


def _values(result):
    return [np.asarray(t._value) for t in nest.flatten(result)]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_forward_matches_numpy(spec, checking):
    arrays = spec.make_inputs(np.random.default_rng(0))
    result = spec.fn(*[constant(a) for a in arrays])
    expected = [np.asarray(e) for e in nest.flatten(spec.ref(*arrays))]
    got = _values(result)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype, f"dtype {g.dtype} != numpy's {e.dtype}"
        assert g.shape == e.shape, f"shape {g.shape} != numpy's {e.shape}"
        if g.dtype.kind in "fc":
            np.testing.assert_allclose(g, e, rtol=spec.rtol, atol=spec.atol)
        else:
            np.testing.assert_array_equal(g, e)


def _float64_inputs(spec):
    arrays = spec.make_inputs(np.random.default_rng(1))
    return [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]


def _weights(outputs, rng):
    return [rng.standard_normal(o.shape.as_list()) for o in outputs]


def _float_outputs(result):
    return [o for o in nest.flatten(result) if o.dtype.is_floating]


def _directional(spec, arrays, idx, weights, direction, eps):
    """(L(x + eps v) - L(x - eps v)) / 2 eps for L = sum(w * outputs)."""
    def loss(sign):
        moved = list(arrays)
        for i, v in zip(idx, direction):
            moved[i] = arrays[i] + sign * eps * v
        outs = _float_outputs(spec.fn(*[constant(a) for a in moved]))
        return sum(float(np.sum(np.asarray(o._value) * w)) for o, w in zip(outs, weights))
    return (loss(1) - loss(-1)) / (2 * eps)


def _first_order(spec, tensors, idx, weights, tape_persistent=False):
    with GradientTape(persistent=tape_persistent) as tape:
        for i in idx:
            tape.watch(tensors[i])
        outs = _float_outputs(spec.fn(*tensors))
    grads = tape.gradient(outs, [tensors[i] for i in idx],
                          output_gradients=[constant(w) for w in weights])
    return grads


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad], ids=[s.name for s in SPECS
                                                                     if s.grad])
def test_gradient_matches_finite_differences(spec, checking):
    arrays = _float64_inputs(spec)
    idx = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    assert idx, "grad=True needs a float input"
    rng = np.random.default_rng(2)
    tensors = [constant(a) for a in arrays]
    weights = _weights(_float_outputs(spec.fn(*tensors)), rng)
    grads = _first_order(spec, tensors, idx, weights)
    direction = [rng.standard_normal(arrays[i].shape) for i in idx]
    analytic = sum(0.0 if g is None else float(np.sum(np.asarray(g._value) * v))
                   for g, v in zip(grads, direction))
    for g, i in zip(grads, idx):
        if g is not None:
            assert g.shape == arrays[i].shape and g.dtype.name == "float64"
    numeric = _directional(spec, arrays, idx, weights, direction, 1e-6)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad2],
                         ids=[s.name for s in SPECS if s.grad2])
def test_second_derivative_matches_finite_differences(spec, checking):
    """d/dx <grad L(x), v> along u, by nested tapes vs finite differences of grad L."""
    arrays = _float64_inputs(spec)
    idx = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    rng = np.random.default_rng(3)
    tensors = [constant(a) for a in arrays]
    weights = _weights(_float_outputs(spec.fn(*tensors)), rng)
    v = [rng.standard_normal(arrays[i].shape) for i in idx]
    u = [rng.standard_normal(arrays[i].shape) for i in idx]
    with GradientTape() as outer:
        for i in idx:
            outer.watch(tensors[i])
        grads = _first_order(spec, tensors, idx, weights)
        pairs = [(g, constant(vi)) for g, vi in zip(grads, v) if g is not None]
    second = outer.gradient([g for g, _ in pairs], [tensors[i] for i in idx],
                            output_gradients=[vi for _, vi in pairs])
    analytic = sum(0.0 if h is None else float(np.sum(np.asarray(h._value) * ui))
                   for h, ui in zip(second, u))

    def grad_dot_v(sign, eps=1e-5):
        moved = list(tensors)
        for i, ui in zip(idx, u):
            moved[i] = constant(arrays[i] + sign * eps * ui)
        gs = _first_order(spec, moved, idx, weights)
        return sum(0.0 if g is None else float(np.sum(np.asarray(g._value) * vi))
                   for g, vi in zip(gs, v))

    numeric = (grad_dot_v(1) - grad_dot_v(-1)) / 2e-5
    assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-5)


def test_every_registered_op_is_checked_somewhere():
    """Each op in the registry is exercised by at least one spec (run all specs once)."""
    from engine.registry import OPS
    executor = CheckingExecutor()
    with context.executor_scope(executor):
        for spec in SPECS:
            arrays = spec.make_inputs(np.random.default_rng(0))
            spec.fn(*[constant(a) for a in arrays])
            if spec.grad:
                arrays64 = _float64_inputs(spec)
                idx = [i for i, a in enumerate(arrays64) if a.dtype.kind == "f"]
                tensors = [constant(a) for a in arrays64]
                outs = _float_outputs(spec.fn(*tensors))
                _first_order(spec, tensors, idx, [np.ones(o.shape.as_list()) for o in outs])
    untested = sorted(set(OPS) - executor.checked - _TESTED_ELSEWHERE)
    assert not untested, f"ops with no spec row: {untested}"


# Stateful ops and ops only reachable through other APIs have their own test files.
_TESTED_ELSEWHERE = {
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
    "AssignSubVariableOp", "ResourceStridedSliceAssign", "ResourceScatterNdUpdate",
    "RandomStandardNormal", "RandomUniform", "RandomUniformInt", "TruncatedNormal",
    "RandomShuffle", "Multinomial",
    "Placeholder", "PlaceholderWithDefault", "NoOp", "VarIsInitializedOp",  # graph tests
    "HashTableV2", "LookupTableImportV2", "InitializeTableFromTextFileV2",  # test_lookup
    "LookupTableFindV2", "LookupTableSizeV2", "LookupTableExportV2",
    "StringToHashBucketFast", "Fingerprint", "ReduceJoin", "StringStrip",
    "StringFormat",  # test_strings_more.py
    "ReduceDataset",  # test_data_more.py
    "ResourceApplyGradientDescent", "ResourceApplyMomentum", "ResourceApplyKerasMomentum",
    "ResourceApplyAdam", "ResourceApplyRMSProp", "ResourceApplyCenteredRMSProp",
    "ResourceApplyAdagrad", "ResourceApplyAdagradV2", "ResourceScatterUpdate",
    "ResourceScatterAdd", "ResourceScatterSub",  # test_training_ops.py
    "IteratorV2", "OneShotIterator", "MakeIterator", "IteratorGetNext",  # test_data.py
    "Case", "StatelessCase", "While", "StatelessWhile", "WhileGrad",  # test_control_flow
    "PrintV2", "Assert", "CheckNumerics",  # test_debugging.py
    "TensorListReserve", "TensorListSetItem", "TensorListGetItem", "TensorListStack",
    "TensorListFromTensor", "TensorListGather", "TensorListScatterIntoExistingList",
    "TensorListLength", "TensorListZerosLike",  # test_tensor_array.py
    "PartitionedCall", "StatefulPartitionedCall",  # test_function.py
    "RaggedTensorToTensor",  # test_keras_preprocessing.py
    "ScalarSummary", "HistogramSummary", "MergeSummary", "WriteScalarSummary",
    "WriteHistogramSummary",  # test_tensorboard.py
    "CustomGradient",  # test_custom_gradient.py
    "AssignVariableIfUninitialized",  # test_function.py (variables made on a first call)
}


# ---------------------------------------------------------------- graph mode == eager ---

def _graph_run(spec, arrays, static_shapes=True, grad_weights=None):
    """spec.fn built on placeholders in a Graph and run in a Session: (outputs, grads)."""
    from graph.gradients import gradients
    from graph.graph import Graph
    from graph.session import Session
    from engine.ops.core import placeholder
    from engine.dtypes import from_numpy
    graph = Graph()
    with graph.as_default():
        phs = [placeholder(from_numpy(a.dtype) if a.dtype != object else "string",
                           a.shape if static_shapes else [None] * a.ndim) for a in arrays]
        outs = nest.flatten(spec.fn(*phs))
        fetches = [outs]
        if grad_weights is not None:
            idx = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
            floats = [o for o in outs if o.dtype.is_floating]
            fetches.append([g for g in gradients(floats, [phs[i] for i in idx],
                                                 grad_ys=[constant(w) for w in grad_weights])
                            if g is not None])
    with Session(graph=graph) as sess:
        return sess.run(fetches, dict(zip(phs, arrays)))


@pytest.mark.parametrize("spec", [s for s in SPECS if s.graph],
                         ids=[s.name for s in SPECS if s.graph])
def test_graph_mode_equals_eager_bit_for_bit(spec):
    """The same op on the same inputs: Session.run gives exactly the eager numbers, and
    tf.gradients exactly the tape's gradients."""
    arrays = _float64_inputs(spec) if spec.grad else spec.make_inputs(np.random.default_rng(0))
    tensors = [constant(a) for a in arrays]
    eager_out = nest.flatten(spec.fn(*tensors))
    weights = None
    if spec.grad:
        weights = _weights(_float_outputs(eager_out), np.random.default_rng(4))
        idx = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
        eager_grads = [g for g in _first_order(spec, tensors, idx, weights) if g is not None]
    got = _graph_run(spec, arrays, grad_weights=weights)
    for g, e in zip(got[0], eager_out):
        e = np.asarray(e._value)
        assert np.asarray(g).dtype == e.dtype
        np.testing.assert_array_equal(g, e)
    if spec.grad:
        assert len(got[1]) == len(eager_grads)
        for g, e in zip(got[1], eager_grads):
            np.testing.assert_array_equal(g, np.asarray(e._value))


@pytest.mark.parametrize("spec", [s for s in SPECS if s.graph and s.dynamic],
                         ids=[s.name for s in SPECS if s.graph and s.dynamic])
def test_graph_mode_with_unknown_shapes_equals_eager(spec):
    """Placeholders with unknown dimensions (known rank, as a TF1 batch dimension is) force
    infer and the shape-dependent code onto their dynamic paths."""
    arrays = spec.make_inputs(np.random.default_rng(0))
    eager_out = nest.flatten(spec.fn(*[constant(a) for a in arrays]))
    got = _graph_run(spec, arrays, static_shapes=False)
    for g, e in zip(got[0], eager_out):
        np.testing.assert_array_equal(g, np.asarray(e._value))
