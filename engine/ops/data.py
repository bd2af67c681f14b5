"""Iterator ops: a dataset iterator is a resource, like a variable or a table.

Its position lives in the executor's store under the iterator's handle — in each
Session's store in graph mode — so every Session must run the iterator's initializer,
and re-running it starts the data again (TF1's epoch loop). The dataset itself is a
Python object passed as an attribute; the kernels only ask it for a fresh element
source with `dataset._start(store, captured_values)`, which yields tuples of arrays.
"""

from __future__ import annotations

from engine import dtypes, errors
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["ITERATOR", "ONE_SHOT_ITERATOR", "MAKE_ITERATOR", "ITERATOR_GET_NEXT",
           "REDUCE_DATASET"]

_HANDLE = [(dtypes.resource, TensorShape([]))]


def _handle_infer(inputs, attrs):
    return _HANDLE


ITERATOR = register("IteratorV2", lambda handle, output_types, output_shapes: handle,
                    _handle_infer, NO_GRADIENT, stateful=True)


def _one_shot_kernel(store, *captured, handle, dataset):
    """The handle, starting the data the first time a Session runs it."""
    if handle.key not in store.objects:
        store.objects[handle.key] = dataset._start(store, captured)
    return handle


ONE_SHOT_ITERATOR = register("OneShotIterator", _one_shot_kernel, _handle_infer, NO_GRADIENT,
                             stateful=True, uses_store=True)


def _make_kernel(store, handle, *captured, dataset):
    store.objects[handle.key] = dataset._start(store, captured)
    return ()


MAKE_ITERATOR = register("MakeIterator", _make_kernel, lambda inputs, attrs: [], NO_GRADIENT,
                         stateful=True, uses_store=True, multi=True)


def _get_next_kernel(store, handle, output_types, output_shapes):
    source = store.objects.get(handle.key)
    if source is None:
        raise errors.FailedPreconditionError(
            None, None, "GetNext() failed because the iterator has not been initialized. "
            f"Ensure that you have run the initializer operation for this iterator before "
            f"getting the next element.\n  Iterator {handle.name!r}: run "
            "session.run(iterator.initializer) in this Session first.")
    for element in source:
        return element
    raise errors.OutOfRangeError(
        None, None, f"End of sequence\n  Iterator {handle.name!r} has no more elements. "
        "Catch tf.errors.OutOfRangeError to end the epoch; run the iterator's initializer "
        "again to start another.")


ITERATOR_GET_NEXT = register(
    "IteratorGetNext", _get_next_kernel,
    lambda inputs, attrs: list(zip(attrs["output_types"], attrs["output_shapes"])),
    NO_GRADIENT, stateful=True, uses_store=True, multi=True)


def _reduce_kernel(store, *inputs, dataset, fn, n_captured, n_fn_captured, eager, out_specs):
    """Runs the whole pipeline once, folding each element into the state with `fn`."""
    captured = inputs[:n_captured]
    fn_captured = inputs[n_captured:n_captured + n_fn_captured]
    state = tuple(inputs[n_captured + n_fn_captured:])
    for element in dataset._start(store, captured, eager=eager):
        state = tuple(fn.run(store, (*state, *element), fn_captured))
    return state


REDUCE_DATASET = register(
    "ReduceDataset", _reduce_kernel,
    lambda inputs, attrs: list(attrs["out_specs"]),
    NO_GRADIENT, stateful=True, uses_store=True, multi=True)
