"""TF1 variable sharing: tf.compat.v1.variable_scope and tf.compat.v1.get_variable.

A VariableScope carries a name prefix and defaults (reuse, initializer, regularizer,
dtype) for `get_variable`, which looks `scope/name` up in the graph's variable store and
returns the stored variable or creates one. Variable names follow the variable scope
only; the name scope a variable_scope opens beside it names the ops built inside, so a
second `variable_scope("foo")` builds ops under "foo_1/" while get_variable still finds
"foo/v" — exactly TensorFlow's behaviour.

State lives on the graph (first use creates it): `graph._variable_store`, the variables
by full name, and `graph._variable_scope_store`, this thread's current scope plus the
open-count of each scope name (for `default_name` uniqueness). Eagerly that graph is
the global default graph, as in TensorFlow; eager variables are never stored, so each
eager `get_variable` call creates a new variable (TF2's behaviour).
"""

from __future__ import annotations

import enum
import inspect
import threading

from engine import context, dtypes, initializers
from engine.context import executing_eagerly
from engine.convert import default_dtype
from engine.shapes import as_shape
from engine.variables import VariableAggregation, VariableSynchronization
from graph.graph import GraphKeys, get_default_graph
from graph.variables_v1 import VariableV1

__all__ = ["AUTO_REUSE", "VariableScope", "get_variable", "get_variable_scope",
           "variable_scope"]


class _ReuseMode(enum.Enum):
    """Mode for variable access within a variable scope."""

    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE  # create the variable if missing, else return it


# -- per-graph state -------------------------------------------------------------------
def _graph():
    """The graph ops go to now; eagerly the global default graph (TF keeps it there)."""
    executor = context.current_executor()
    return get_default_graph() if executor.is_eager else executor


class _VariableScopeStore(threading.local):
    """One graph's current variable scope and scope open-counts, per thread."""

    def __init__(self):
        self.current_scope = VariableScope(False)
        self.variable_scopes_count: dict = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name,
                                                                                0) + 1

    def close_variable_subscopes(self, scope_name):
        prefix = scope_name + "/"
        for key in self.variable_scopes_count:
            if key.startswith(prefix):
                self.variable_scopes_count[key] = 0


def _state(attr, factory):
    graph = _graph()
    found = graph.__dict__.get(attr)
    if found is None:
        with graph._lock:
            found = graph.__dict__.setdefault(attr, factory())
    return found


def _scope_store() -> _VariableScopeStore:
    return _state("_variable_scope_store", _VariableScopeStore)


def _variable_store() -> _VariableStore:
    return _state("_variable_store", _VariableStore)


def get_variable_scope() -> VariableScope:
    """The current VariableScope (the root scope, named "", outside any variable_scope)."""
    return _scope_store().current_scope


# -- the variable store ----------------------------------------------------------------
def _accepts(fn, name, or_var_keyword=True) -> bool:
    """Does `fn` take an argument `name` (or, unless told otherwise, **kwargs)?"""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or or_var_keyword and any(p.kind == p.VAR_KEYWORD
                                                    for p in params.values())


def _needs_no_arguments(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty for p in params
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _default_initializer(name, dtype):
    """glorot_uniform for floats, zeros for integers, bools and strings (TF's defaults)."""
    if dtype.is_floating:
        return initializers.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_unsigned or dtype.is_bool or dtype == dtypes.string:
        return initializers.zeros_initializer()
    raise ValueError(f"An initializer for variable {name} of {dtype} is required")


def _call_initializer(init_val, name):
    """Builds the initial value; a graph names its ops `name/Initializer/...` as TF does."""
    if not callable(init_val):
        return init_val
    graph = context.current_executor()
    if graph.is_eager:
        return init_val()
    with context.name_scope(graph.unique_name(name, mark_as_used=False) + "/Initializer/"):
        return init_val()


class _VariableStore:
    """The variables made by get_variable in one graph, by full name."""

    def __init__(self):
        self._vars: dict = {}

    def get_variable(self, name, custom_getter=None, **kwargs):
        """The stored variable `name`, or a new one; a custom getter may intercept.

        `kwargs` holds every argument of `_true_getter` (VariableScope passes them all).
        """
        if custom_getter is None:
            return self._true_getter(name, **kwargs)
        if not callable(custom_getter):
            raise ValueError(f"Passed a custom_getter which is not callable: {custom_getter}")
        for key in ("constraint", "synchronization", "aggregation"):  # newer arguments
            if not _accepts(custom_getter, key):
                del kwargs[key]
        return custom_getter(getter=self._true_getter, name=name, **kwargs)

    def _true_getter(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO,
                     aggregation=VariableAggregation.NONE):
        """TF's _get_single_variable: checks reuse, shape and dtype; creates if allowed."""
        if partitioner is not None and not (isinstance(shape, (list, tuple)) and not shape):
            raise NotImplementedError(f"Variable {name}: twinflow does not partition "
                                      "variables; remove the `partitioner` argument.")
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        dtype = dtypes.as_dtype(dtype)
        if shape is not None:
            shape = as_shape(shape)

        if name in self._vars:
            if reuse is False:
                raise ValueError(f"Variable {name} already exists, disallowed. Did you mean "
                                 "to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
            found = self._vars[name]
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError(f"Trying to share variable {name}, but specified shape "
                                 f"{shape} and found shape {found.get_shape()}.")
            if not dtype.is_compatible_with(found.dtype):
                raise ValueError(f"Trying to share variable {name}, but specified dtype "
                                 f"{dtype.name} and found dtype {found.dtype.name}.")
            return found
        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?")

        if initializer is None:
            if shape is None:
                raise ValueError(f"Variable {name} did not get an initializer, so its "
                                 "`shape` argument must be specified.")
            initializer = _default_initializer(name, dtype)
        if from_value:
            init_val, variable_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                extra = {"partition_info": None} \
                    if _accepts(initializer, "partition_info", False) else {}
                dims = shape.as_list()
                init_val = lambda: initializer(dims, dtype=dtype, **extra)
                variable_dtype = dtype.base_dtype
            elif _needs_no_arguments(initializer):
                init_val, variable_dtype = initializer, None
            else:
                raise ValueError("The initializer passed is not valid. It should be a "
                                 "callable with no arguments and the shape should not be "
                                 "provided or an instance of `tf.keras.initializers.*' and "
                                 "`shape` should be fully defined.")

        v = VariableV1(initial_value=_call_initializer(init_val, name), name=name,
                       trainable=trainable, collections=collections, dtype=variable_dtype,
                       validate_shape=validate_shape, constraint=constraint,
                       synchronization=synchronization, aggregation=aggregation,
                       shape=shape)
        if not executing_eagerly():  # eager variables are not kept (TF2 does the same)
            self._vars[name] = v
        if regularizer:
            with context.name_scope(name + "/Regularizer/"):
                loss = regularizer(v)
            if loss is not None:
                _graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v


# -- VariableScope ---------------------------------------------------------------------
class VariableScope:
    """A variable scope's name and the defaults get_variable uses inside it.

    Attributes:
        name: the prefix of variable names ("" for the root scope).
        original_name_scope: the name scope ("foo/") opened when the scope was created.
        reuse: False, True or AUTO_REUSE (eagerly always AUTO_REUSE, as in TF2).
        initializer, regularizer, dtype, constraint, custom_getter: defaults.
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, name_scope="",
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = AUTO_REUSE if executing_eagerly() else reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = True if executing_eagerly() else use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """From now on get_variable in this scope returns existing variables."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        if executing_eagerly() and not use_resource:
            raise ValueError("When eager execution is enabled, use_resource cannot be set "
                             "to false.")
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device  # accepted; twinflow has one device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        """The items of collection `name` whose names start with this scope's."""
        return _graph().get_collection(name, self._name + "/" if self._name else "")

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO,
                     aggregation=VariableAggregation.NONE):
        """`var_store`'s variable `self.name/name`, with this scope's defaults filled in."""
        regularizer = self._regularizer if regularizer is None else regularizer
        partitioner = self._partitioner if partitioner is None else partitioner
        custom_getter = self._custom_getter if custom_getter is None else custom_getter
        if executing_eagerly():
            reuse = False
        elif reuse is None:
            reuse = self._reuse
        full_name = f"{self._name}/{name}" if self._name else name
        # Variable names follow the variable scope only: leave the name scope meanwhile.
        with context.name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = dtypes.as_dtype(initializer.dtype) \
                    if hasattr(initializer, "dtype") else default_dtype(initializer)
                if init_dtype != dtype:
                    raise ValueError(f"Initializer type '{init_dtype}' and explicit dtype "
                                     f"'{dtypes.as_dtype(dtype)}' don't match.")
            initializer = self._initializer if initializer is None else initializer
            constraint = self._constraint if constraint is None else constraint
            dtype = self._dtype if dtype is None else dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, caching_device=caching_device,
                partitioner=partitioner, validate_shape=validate_shape,
                use_resource=use_resource, custom_getter=custom_getter,
                constraint=constraint, synchronization=synchronization,
                aggregation=aggregation)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None,
                 constraint=None, synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE):
    """Gets the variable `scope/name` or creates it (TF1's shared-variable API).

    Args:
        name: the name within the current variable scope.
        shape: the shape of a new variable (omit it when `initializer` is a value).
        dtype: default the scope's dtype (float32).
        initializer: an initializer (object, class or callable taking (shape, dtype)),
            or a tensor/value; default the scope's, else glorot_uniform for floats and
            zeros for integers and bools.
        regularizer: fn(variable) -> loss, added to GraphKeys.REGULARIZATION_LOSSES.
        trainable, collections: as tf.compat.v1.Variable.
        custom_getter: fn(getter, name, *args, **kwargs) wrapping the real getter.

    Returns:
        The existing variable (when the scope reuses) or a new one.

    Raises:
        ValueError: the variable exists and reuse is off; it does not exist and
            reuse=True; shape or dtype differ from the existing one; no shape and no
            initializer; a shape with a value initializer.
    """
    return get_variable_scope().get_variable(
        _variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        caching_device=caching_device, partitioner=partitioner,
        validate_shape=validate_shape, use_resource=use_resource,
        custom_getter=custom_getter, constraint=constraint,
        synchronization=synchronization, aggregation=aggregation)


# -- entering scopes -------------------------------------------------------------------
def _wrap_custom_getter(custom_getter, old_getter):
    """A getter calling `custom_getter` around the enclosing scope's `old_getter`."""
    if old_getter is None:
        return custom_getter
    return lambda getter, *args, **kwargs: custom_getter(
        lambda *a, **k: old_getter(getter, *a, **k), *args, **kwargs)


def _derive(base, reuse, name, name_scope, overrides):
    """A new VariableScope with `base`'s defaults, then the arguments the user gave."""
    scope = VariableScope(reuse, name=name, initializer=base.initializer,
                          regularizer=base.regularizer, caching_device=base.caching_device,
                          partitioner=base.partitioner, dtype=base.dtype,
                          custom_getter=base.custom_getter, name_scope=name_scope,
                          use_resource=base.use_resource, constraint=overrides["constraint"])
    for attr in ("initializer", "regularizer", "caching_device", "partitioner", "dtype",
                 "use_resource"):
        if overrides[attr] is not None:
            getattr(scope, "set_" + attr)(overrides[attr])
    if overrides["custom_getter"] is not None:
        scope.set_custom_getter(_wrap_custom_getter(overrides["custom_getter"],
                                                    base.custom_getter))
    return scope


class _PureVariableScope:
    """Switches the current VariableScope (no name scope): TF's _pure_variable_scope."""

    def __init__(self, name_or_scope, reuse, overrides, old_name_scope):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._overrides = overrides
        self._old_name_scope = old_name_scope
        self._store = _scope_store()
        if isinstance(name_or_scope, VariableScope):  # jump to a shared scope: a copy
            self._new_name = name_or_scope.name
            self._cached = _derive(name_or_scope, reuse or name_or_scope.reuse,
                                   name_or_scope.name, name_or_scope.original_name_scope,
                                   overrides)

    def __enter__(self):
        store = self._store
        self._old = old = store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            store.open_variable_scope(self._new_name)
            self._old_counts = dict(store.variable_scopes_count)
            scope = self._cached
        else:  # prolong the current scope; reuse is inherited by sub-scopes
            name = self._name_or_scope
            self._new_name = f"{old.name}/{name}" if old.name else name
            self._reuse = self._reuse or old.reuse
            scope = _derive(old, self._reuse, self._new_name,
                            name if self._old_name_scope is None else self._old_name_scope,
                            self._overrides)
            store.open_variable_scope(self._new_name)
        store.current_scope = self._last = scope
        return scope

    def __exit__(self, *exc_info):
        store = self._store
        if store.current_scope is not self._last:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            store.variable_scopes_count = self._old_counts
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old
        return False


def _unique_variable_scope(prefix):
    """`prefix`, or `prefix_1`, `prefix_2`...: not yet open in the current scope."""
    store = _scope_store()
    current = store.current_scope.name
    name = f"{current}/{prefix}" if current else prefix
    if store.variable_scopes_count.get(name, 0) == 0:
        return prefix
    idx = 1
    while store.variable_scopes_count.get(f"{name}_{idx}", 0) > 0:
        idx += 1
    return f"{prefix}_{idx}"


class variable_scope:  # noqa: N801 - TensorFlow's name
    """`with tf.compat.v1.variable_scope("layer1"):` prefixes get_variable names.

    Opens a name scope too (unique, so a second "layer1" names ops "layer1_1/..."),
    unless auxiliary_name_scope=False. A VariableScope object re-enters that scope
    (its absolute name, its defaults). Reuse is inherited: inside reuse=True (or
    AUTO_REUSE) every sub-scope reuses; reuse=False means "inherit".

    Args:
        name_or_scope: a string or a VariableScope.
        default_name: used (made unique) when name_or_scope is None.
        values: accepted for compatibility (TF picks the graph from them).
        initializer, regularizer, dtype, constraint, custom_getter: defaults for
            get_variable inside the scope (inherited by sub-scopes).
        reuse: True, None/False (inherit) or AUTO_REUSE.
        auxiliary_name_scope: False re-enters the current name scope instead.

    Raises:
        TypeError: neither name_or_scope nor default_name; a bad name_or_scope type.
        ValueError: a bad `reuse`; reuse=True with default_name.
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None,
                 custom_getter=None, reuse=None, dtype=None, use_resource=None,
                 constraint=None, auxiliary_name_scope=True):
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:  # we don't allow non-inheriting scopes: False = None here
            reuse = None
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get "
                            f"{auxiliary_name_scope}")
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._reuse = reuse
        self._auxiliary_name_scope = auxiliary_name_scope
        self._overrides = {"initializer": initializer, "regularizer": regularizer,
                           "caching_device": caching_device, "partitioner": partitioner,
                           "custom_getter": custom_getter, "dtype": dtype,
                           "use_resource": use_resource, "constraint": constraint}
        self._pure = None        # the scope switch, kept after the first enter
        self._name_scope = None  # what to pass to name_scope on (re-)entering
        self._name_scope_cm = None

    def _enter_name_scope(self):
        """Opens the auxiliary name scope; returns its name ("foo/"), None if none."""
        name = self._name_scope
        if name is None:
            return None
        if executing_eagerly():  # no op names eagerly: only the prefix string matters
            outer = get_variable_scope().original_name_scope
            return name if name.endswith("/") or name == "" else f"{outer}{name}/"
        self._name_scope_cm = context.name_scope(name)
        return self._name_scope_cm.__enter__()

    def _exit_name_scope(self, exc_info):
        cm, self._name_scope_cm = self._name_scope_cm, None
        if cm is not None:
            cm.__exit__(*exc_info)

    def __enter__(self) -> VariableScope:
        first = self._pure is None
        if first:
            self._plan_name_scope()
        entered = self._enter_name_scope()
        try:
            pure = self._make_pure(entered) if first else self._pure
            scope = pure.__enter__()
        except BaseException as e:
            self._exit_name_scope((type(e), e, e.__traceback__))
            raise
        self._pure = pure  # re-entering this object later reuses it (TF's fast path)
        return scope

    def _plan_name_scope(self):
        """Checks the arguments and decides which name scope entering opens."""
        nos = self._name_or_scope
        if nos is not None and not isinstance(nos, (VariableScope, str)):
            raise TypeError("VariableScope: name_or_scope must be a string or "
                            "VariableScope.")
        if nos is None and self._reuse:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        if not self._auxiliary_name_scope:  # re-enter the current name scope as is
            if executing_eagerly():
                self._name_scope = get_variable_scope().original_name_scope
            else:
                current = context.current_executor().get_name_scope()
                self._name_scope = current + "/" if current else ""
        elif nos is None:
            self._name_scope = self._default_name
        else:
            name = nos if isinstance(nos, str) else nos.name.split("/")[-1]
            self._name_scope = name or None  # the root scope "" opens no name scope

    def _make_pure(self, entered):
        nos = self._name_or_scope
        if nos is None:
            return _PureVariableScope(_unique_variable_scope(self._default_name), None,
                                      self._overrides, entered)
        old_name_scope = nos.original_name_scope if isinstance(nos, VariableScope) \
            else entered
        return _PureVariableScope(nos, self._reuse, self._overrides, old_name_scope)

    def __exit__(self, *exc_info):
        try:
            self._pure.__exit__(*exc_info)
        finally:
            self._exit_name_scope(exc_info)
        return False
