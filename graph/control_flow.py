"""tf.cond, tf.case, tf.switch_case and tf.while_loop in both modes.

Eagerly these are plain Python: the taken branch or the loop body runs op by op (and a
GradientTape records it like any other code). In a graph, Python cannot see tensor
values, so each branch, loop condition and loop body is traced once into a FuncGraph
and held by ONE functional op — Case (If for tf.cond) or While — whose kernel runs
the taken branch's plan, or loops over the body's plan without recursion, keeping only
the current loop variables. Outer tensors a branch or body reads are the op's inputs.

Gradients (graph/control_flow_grad.py) reuse the traced graphs: backward ops are
added to each branch's or body's graph by the shared backward driver.
"""

from __future__ import annotations

import warnings

from engine import context, dtypes, nest
from engine.context import execute
from engine.ops.core import convert_to_tensor
from engine.registry import register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase
from engine.tensor_array import TensorArray
from engine.tensor_spec import TensorSpec
from graph.func_graph import effect_ops, trace
from graph.tensor import Operation

__all__ = ["cond", "case", "switch_case", "while_loop", "tuple_", "CASE", "WHILE"]


# ----------------------------------------------------------------- the Case op -----------

def _case_kernel(store, index, *values, branches, n_args, capture_index, output_specs):
    """Runs branch `index` (the last one when out of range, as TensorFlow's default)."""
    i = int(index)
    if not 0 <= i < len(branches):
        i = len(branches) - 1
    args, captured = values[:n_args], values[n_args:]
    out = branches[i].run(store, args, [captured[j] for j in capture_index[i]])
    return tuple(v for v, t in zip(out, branches[i].outputs) if not isinstance(t, Operation))


def _case_infer(inputs, attrs):
    return attrs["output_specs"]


def _case_grad(op, *grads):
    from graph.control_flow_grad import case_grad
    return case_grad(op, grads)


CASE = register("Case", _case_kernel, _case_infer, _case_grad, stateful=True,
                uses_store=True, multi=True)
STATELESS_CASE = register("StatelessCase", _case_kernel, _case_infer, _case_grad,
                          uses_store=True, multi=True)


def _is_stateful(fn) -> bool:
    return any(op._opdef.stateful and op.type not in ("Placeholder", "Const")
               for op in fn.graph._ops)


def _merge_captures(functions):
    """One input list for all branches, and each branch's positions in it."""
    outer, where, index = [], {}, []
    for fn in functions:
        positions = []
        for t in fn.captured_tensors:
            if id(t) not in where:
                where[id(t)] = len(outer)
                outer.append(t)
            positions.append(where[id(t)])
        index.append(positions)
    return outer, index


def build_case(index, functions, name, args=()):
    """The Case op running one of `functions` (TracedFunctions sharing one output
    structure) on `args`; returns their outputs structured like the first's."""
    outer, capture_index = _merge_captures(functions)
    specs = _output_specs(functions)
    opdef = CASE if any(_is_stateful(f) for f in functions) else STATELESS_CASE
    attrs = {"branches": tuple(functions), "n_args": len(args),
             "capture_index": capture_index, "output_specs": specs}
    controls = [op for f in functions for op in f.graph.outer_controls]
    _warn_outer_effects(functions, controls)
    with context.current_executor().control_dependencies(controls):
        result = execute(opdef, (index, *args, *outer), attrs, name)
    if not specs:
        return result if isinstance(result, Operation) else result.op
    tensors = iter(result)
    flat = [t if isinstance(t, Operation) else next(tensors) for t in functions[0].outputs]
    return nest.pack_sequence_as(functions[0].structured_outputs, flat)




def _warn_outer_effects(functions, controls):
    """TF1's classic surprise: an op with an effect (an assignment, a random draw, a
    print) built OUTSIDE a branch and used in it runs whether or not the branch does."""
    ops = list(controls) + [t.op for f in functions for t in f.captured_tensors
                            if hasattr(t, "op")]  # eager captures have no op to report
    ops += [c for op in ops for c in op.control_inputs]  # `v.assign(x)` reads after writing
    for op in effect_ops(ops):
        warnings.warn(
            f"{op.type} op {op.name!r} (built at {op.defined_at}) is used inside a "
            f"tf.cond/case branch but was created outside it, so it runs every time, "
            f"whichever branch is taken. Create it inside the branch function to make it "
            f"conditional.", stacklevel=4)


def _output_specs(functions):
    """(dtype, shape) of each tensor output, shapes merged over the branches."""
    first = functions[0]
    specs = [(t.dtype, t.shape) for t in first.outputs if not isinstance(t, Operation)]
    for fn in functions[1:]:
        others = [(t.dtype, t.shape) for t in fn.outputs if not isinstance(t, Operation)]
        specs = [(d, s.most_specific_compatible_shape(o)) for (d, s), (_, o) in
                 zip(specs, others)]
    return specs


# ----------------------------------------------------------------- cond, case --------------

def _check_callable(fn, what):
    if not callable(fn):
        raise TypeError(f"{what} must be callable.")


def _eager_bool(pred, what):
    value = pred.numpy() if isinstance(pred, TensorBase) else pred
    try:
        return bool(value)
    except ValueError:
        raise ValueError(f"{what} must be a scalar boolean, got a value of shape "
                         f"{getattr(value, 'shape', '?')}") from None


def _branches(fns, names, name):
    traced = [trace(fn, (), f"{name}_{n}", call=lambda f, _: f(), effects=True)
              for fn, n in zip(fns, names)]
    first = traced[0]
    for fn, label in zip(traced[1:], names[1:]):
        _check_same_outputs(first, fn, names[0], label)
    return traced


def _check_same_outputs(a, b, label_a, label_b):
    def kind(t):
        return "op" if isinstance(t, Operation) else t.dtype
    problem = None
    try:
        nest.assert_same_structure(a.structured_outputs, b.structured_outputs)
    except (ValueError, TypeError) as exc:
        problem = str(exc).splitlines()[0]
    else:
        for x, y in zip(a.outputs, b.outputs):
            if kind(x) != kind(y):
                problem = f"{x} and {y} have different types"
                break
    if problem is not None:
        raise TypeError(f"{label_a} and {label_b} arguments to tf.cond must have the same "
                        f"number, type, and overall structure of return values.\n\n"
                        f"{label_a} output: {a.structured_outputs}\n{label_b} output: "
                        f"{b.structured_outputs}\n\nError details:\n{problem}")


def cond(pred, true_fn=None, false_fn=None, name=None):
    """true_fn() if pred else false_fn(). In a graph both are traced; only the taken one
    runs, and ops a branch creates belong to it.

    Raises:
        TypeError: a branch is not callable, or the branches return different structures
            or dtypes.
        ValueError: pred is not a scalar boolean.
    """
    _check_callable(true_fn, "true_fn")
    _check_callable(false_fn, "false_fn")
    if context.executing_eagerly():
        return true_fn() if _eager_bool(pred, "pred") else false_fn()
    pred = convert_to_tensor(pred)
    if pred.dtype != dtypes.bool or pred.shape.rank not in (0, None):
        raise ValueError(f"The `pred` argument of tf.cond must be a scalar tf.bool, got "
                         f"{pred!r}")
    with context.name_scope(name or "cond") as scope:
        true_branch, false_branch = _branches([true_fn, false_fn], ["true_fn", "false_fn"],
                                              "cond")
        out = build_case(pred, [false_branch, true_branch], scope)  # index False=0, True=1
    return out


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """branch_fns[branch_index](); out-of-range indices run `default` (or the last)."""
    if isinstance(branch_fns, dict):
        keys = sorted(branch_fns)
        if keys != list(range(len(keys))):
            raise ValueError("branch_fns keys must be the integers 0..n-1")
        branch_fns = [branch_fns[k] for k in keys]
    fns = [fn for _, fn in branch_fns] if branch_fns and isinstance(branch_fns[0], tuple) \
        else list(branch_fns)
    for fn in fns + ([default] if default is not None else []):
        _check_callable(fn, "branch_fns values")
    if context.executing_eagerly():
        i = int(branch_index.numpy() if isinstance(branch_index, TensorBase) else branch_index)
        return (fns[i] if 0 <= i < len(fns) else (default or fns[-1]))()
    index = convert_to_tensor(branch_index, dtype=dtypes.int32)
    all_fns = fns + ([default] if default is not None else [])
    with context.name_scope(name) as scope:
        traced = _branches(all_fns, [f"branch_{i}" for i in range(len(all_fns))], "switch")
        return build_case(index, traced, scope)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The fn of the first pair whose predicate is True, else default() — nested conds.

    With exclusive=True, more than one True predicate is an InvalidArgumentError.
    """
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else \
        list(pred_fn_pairs)
    if default is None:
        if not pairs:
            raise ValueError("tf.case needs at least one (pred, fn) pair or a default.")
        *pairs, (_, default) = pairs
    result = default
    for pred, fn in reversed(pairs):
        result = (lambda p, f, rest: (lambda: cond(p, f, rest)))(pred, fn, result)
    with context.name_scope(name):
        if not exclusive or len(pairs) < 2:
            return result()
        check = _at_most_one_true([p for p, _ in pairs])
        if check is None:  # eagerly it has already passed
            return result()
        with context.current_executor().control_dependencies([check]):
            return result()


def _at_most_one_true(preds):
    """Assert op (None eagerly, raising at once) that at most one predicate holds."""
    from engine.ops.debug import Assert
    from engine.ops.math import add_n, cast, less_equal
    count = add_n([cast(convert_to_tensor(p), dtypes.int32) for p in preds])
    op = Assert(less_equal(count, 1), [
        "Input error: exclusive=True in tf.case, and more than one predicate evaluated to "
        "True:", count], name="exclusive")
    return None if context.executing_eagerly() else op


# ----------------------------------------------------------------- while_loop ----------

def _while_kernel(store, max_iter, *values, cond_fn, body_fn, n_vars, capture_index,
                  var_specs):
    """Loops without recursion, keeping only the current values of the loop variables."""
    state, captured = list(values[:n_vars]), values[n_vars:]
    cond_caps = [captured[j] for j in capture_index[0]]
    body_caps = [captured[j] for j in capture_index[1]]
    limit, done = int(max_iter), 0
    while (limit < 0 or done < limit) and cond_fn.run(store, state, cond_caps)[0]:
        state = body_fn.run(store, state, body_caps)[:n_vars]  # effects' Nones dropped
        done += 1
    return tuple(state)


def _while_infer(inputs, attrs):
    return [(s.dtype, s.shape) for s in attrs["var_specs"]]


def _while_grad(op, *grads):
    from graph.control_flow_grad import while_grad
    return while_grad(op, grads)


WHILE = register("While", _while_kernel, _while_infer, _while_grad, stateful=True,
                 uses_store=True, multi=True)
STATELESS_WHILE = register("StatelessWhile", _while_kernel, _while_infer, _while_grad,
                           uses_store=True, multi=True)


def _loop_specs(flat_vars, shape_invariants):
    if shape_invariants is None:
        return [TensorSpec(v.shape, v.dtype) for v in flat_vars]
    shapes = nest.flatten(nest.map_structure(lambda s: TensorShape(s), shape_invariants)) \
        if nest.is_nested(shape_invariants) else [TensorShape(shape_invariants)]
    specs = []
    for v, shape in zip(flat_vars, shapes):
        if not shape.is_compatible_with(v.shape):
            raise ValueError(f"The shape invariant specified for {v.name} is not compatible "
                             f"with the initial shape of the loop variable. It enters the "
                             f"loop with shape {v.shape}, but the specified shape invariant "
                             f"is {shape}.")
        specs.append(TensorSpec(shape, v.dtype))
    return specs


def _check_body(flat_vars, specs, body):
    for v, spec, out in zip(flat_vars, specs, body.outputs):
        if out.dtype != v.dtype:
            raise TypeError(f"Loop var {v.name} enters the loop with type {v.dtype} but has "
                            f"type {out.dtype} after 1 iteration. {v.name} type should remain "
                            "constant.")
        if not spec.shape.is_compatible_with(out.shape) or (
                spec.shape.rank is not None and out.shape.rank is None):
            raise ValueError(f"Input tensor `{v.name}` enters the loop with shape "
                             f"{_tuple(spec.shape)}, but has shape {_tuple(out.shape)} after "
                             "one iteration. To allow the shape to vary across iterations, "
                             "use the `shape_invariants` argument of tf.while_loop to specify "
                             "a less-specific shape.")


def _tuple(shape):
    return None if shape.rank is None else tuple(shape.as_list())


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None,
               return_same_structure=True):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; returns the final
    loop_vars in their structure (tf.compat.v1.while_loop returns a lone variable bare).
    `maximum_iterations` bounds the trip count.

    Raises:
        TypeError / ValueError: body changes a loop variable's dtype, or its shape beyond
            `shape_invariants`, or returns another structure.
    """
    _check_callable(cond, "cond")
    _check_callable(body, "body")
    bare = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if bare else loop_vars
    if context.executing_eagerly():
        final = _eager_loop(cond, body, state, maximum_iterations)
    else:
        with context.name_scope(name or "while") as scope:
            final = _graph_loop(cond, body, state, shape_invariants, maximum_iterations,
                                scope)
    if bare or (not return_same_structure and len(nest.flatten(final)) == 1):
        return nest.flatten(final)[0]
    return final


def _next_state(state, out):
    """The body's result in the loop variables' structure (a lone variable may come back
    bare; a list may come back as a tuple)."""
    if len(state) == 1 and not isinstance(out, (list, tuple)):
        out = (out,)
    nest.assert_same_structure(state, out)
    return nest.pack_sequence_as(state, nest.flatten(out))


def _eager_loop(cond, body, state, maximum_iterations):
    done = 0
    limit = None if maximum_iterations is None else int(maximum_iterations)
    while (limit is None or done < limit) and _eager_bool(cond(*state), "cond"):
        state = _next_state(state, body(*state))
        done += 1
    return state


def _as_tensors(structure):
    """Loop variables as tensors: a TensorArray is carried by its flow (variant) tensor."""
    return nest.map_structure(
        lambda v: v.flow if isinstance(v, TensorArray) else convert_to_tensor(v), structure)


def _as_values(template, tensors):
    """Tensors back into the loop variables' kinds (TensorArrays like the template's)."""
    return nest.map_structure(lambda t, v: t._with(v) if isinstance(t, TensorArray) else v,
                              template, tensors)


def _graph_loop(cond, body, loop_vars, shape_invariants, maximum_iterations, scope):
    tensors = _as_tensors(loop_vars)
    flat = nest.flatten(tensors)
    specs = _loop_specs(flat, shape_invariants)
    spec_nest = nest.pack_sequence_as(tensors, specs)
    cond_fn = trace(cond, spec_nest, "while_cond",
                    call=lambda f, state: f(*_as_values(loop_vars, state)))
    if nest.is_nested(cond_fn.structured_outputs) or cond_fn.outputs[0].dtype != dtypes.bool:
        raise TypeError(f"The loop condition must return a scalar tf.bool, got "
                        f"{cond_fn.structured_outputs!r}")
    learned = []  # what the body returns, for the TensorArrays' element shapes

    def body_call(f, state):
        out = _next_state(state, f(*_as_values(loop_vars, state)))
        learned.append(out)
        return _as_tensors(out)
    body_fn = trace(body, spec_nest, "while_body", call=body_call, effects=True)
    _check_body(flat, specs, body_fn)
    outer, capture_index = _merge_captures([cond_fn, body_fn])
    limit = convert_to_tensor(-1 if maximum_iterations is None else maximum_iterations,
                              dtype=dtypes.int32)
    stateful = _is_stateful(cond_fn) or _is_stateful(body_fn)
    attrs = {"cond_fn": cond_fn, "body_fn": body_fn, "n_vars": len(flat),
             "capture_index": capture_index, "var_specs": specs}
    outputs = execute(WHILE if stateful else STATELESS_WHILE, (limit, *flat, *outer), attrs,
                      scope)
    return _as_values(learned[0], nest.pack_sequence_as(tensors, list(outputs)))


def tuple_(tensors, control_inputs=None, name=None):
    """tf.tuple: the tensors, each available only after all of them (and control_inputs)
    are computed; eagerly they already are."""
    if context.executing_eagerly():
        return list(tensors)
    from engine.ops.core import identity
    from graph.variables_v1 import group
    gate = group(*[t for t in tensors if t is not None], *(control_inputs or []),
                 name=name or "tuple")
    graph = gate.graph
    with graph.control_dependencies([gate]):
        return [None if t is None else identity(t) for t in tensors]
