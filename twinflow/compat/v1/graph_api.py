"""TF1's module-level graph functions: they act on the default graph."""

from graph.graph import get_default_graph


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def control_dependencies(control_inputs):
    """Ops built inside run after `control_inputs` (None clears); a no-op eagerly."""
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    """Accepted for compatibility: everything runs on the CPU."""
    return get_default_graph().device(device_name_or_function)
