"""AutoGraph: Python `if`, `while` and `for` become tf.cond / tf.while_loop on tensors.

tf.function traces a Python function with symbolic tensors, where `if x > 0:` cannot
be decided: the value does not exist yet. AutoGraph rewrites the function's source
(with `ast`) so that each such statement becomes local functions over the variables
it assigns and one call into eager/autograph_runtime.py, which looks at the condition
at run time: a symbolic tensor gives tf.cond / tf.while_loop, anything else runs the
same local functions as plain Python (so eager results are exactly Python's). Thus
`if x > 0: y = 1 else: y = 2` becomes `def if_body(y): y = 1; return (y,)`, the same
for else_body, and `(y,) = ag__.if_stmt(x > 0, if_body, else_body, (y,), ('y',))`
(to_code shows the whole of it).

The state of a statement is the names it assigns that may be read afterwards (a
backward liveness pass over the function; for a loop, also at the top of the next
iteration): like TensorFlow's, so a temporary used only inside a branch or an
iteration is not a tf.cond output or a loop variable.

`return`, `break` and `continue` are first lowered to flags, and afterwards and/or/not,
`x if c else y` and calls are rewritten (eager/autograph_lower.py): a called user
function (or lambda) is converted when called, through ag__.converted_call.

Left as Python (a symbolic condition there raises OperatorNotAllowedInGraphError with
the fixes): statements with a jump inside `try`, `yield`/`await`, `global`/`nonlocal`,
`del name`, `locals()` or `eval`; that assign only attributes or subscripts (a Python
side effect tf.cond would run in both branches); `for` loops whose target is not
names; `while` tests with `:=`. A nested `def` is converted when it is called.
Zero-argument `super()` in a method is first written `super(__class__, self)`.

Effects (assignments, tf.print, asserts) in a converted branch or loop body run in
order whether or not the state depends on them, as TensorFlow 2's automatic control
dependencies make them.

The new code keeps the user's file name and line numbers, so tracebacks and the
file:line twinflow puts in op errors point at the user's source. Closures keep their
cells; methods are converted through their function and bound again.
"""

from __future__ import annotations
import __future__

import ast
import functools
import inspect
import types
import warnings
import weakref

from eager import autograph_runtime
from eager.autograph_lower import (
    EXTRA_TEST,
    GENERATED,
    _walk_scope,
    convert_expressions,
    lower_jumps,
)

__all__ = ["convert", "do_not_convert", "is_converted", "to_code"]

_CONVERTED = "__ag_converted__"
_DO_NOT_CONVERT = "__ag_do_not_convert__"
_FACTORY = "ag__factory"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
_NOT_FUNCTIONS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
_FUTURE_FLAGS = functools.reduce(lambda acc, name: acc | getattr(__future__, name).compiler_flag,
                                 __future__.all_feature_names, 0)
_FRAME_READERS = {"locals", "vars", "eval", "exec", "dir"}
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # code -> new code or None


# ----------------------------------------------------------------- public API ----------

def convert(fn):
    """The function with its tensor-dependent `if`/`while`/`for` converted (tf.autograph.
    to_graph). Returns `fn` itself when there is nothing to convert, when it is marked
    with do_not_convert, or when its source is unavailable (builtins, C functions,
    lambdas, code made by exec)."""
    if getattr(fn, _DO_NOT_CONVERT, False) or getattr(fn, _CONVERTED, False):
        return fn
    if inspect.ismethod(fn):
        inner = convert(fn.__func__)
        return fn if inner is fn.__func__ else types.MethodType(inner, fn.__self__)
    if not isinstance(fn, types.FunctionType) or fn.__code__.co_flags & _NOT_FUNCTIONS:
        return fn
    if fn.__code__ not in _CACHE:
        _CACHE[fn.__code__] = _convert_code(fn)
    new_code = _CACHE[fn.__code__]
    return fn if new_code is None else _make_function(fn, new_code)


def to_code(fn) -> str:
    """The converted source of `fn` as text (tf.autograph.to_code).

    Raises:
        ValueError: the source of `fn` is unavailable.
    """
    target = fn.__func__ if inspect.ismethod(fn) else fn
    func_def = _parse(target) if isinstance(target, types.FunctionType) else None
    if func_def is None:
        raise ValueError(f"AutoGraph cannot read the source of {fn!r}: only `def` functions "
                         "defined in a file or notebook cell (not lambdas, builtins or "
                         "decorator wrappers) can be converted.")
    _rewrite(func_def)
    return ast.unparse(func_def) + "\n"


def do_not_convert(func=None):
    """Marks `func` to be run as written, never converted (tf.autograph.experimental.
    do_not_convert); usable as `@do_not_convert` or `@do_not_convert()`."""
    def mark(f):
        try:  # a bound method takes no attributes: mark its function
            setattr(f.__func__ if inspect.ismethod(f) else f, _DO_NOT_CONVERT, True)
        except (AttributeError, TypeError):
            pass  # a builtin: never converted anyway
        return f
    return mark if func is None else mark(func)


def is_converted(fn) -> bool:
    """True for a function convert() rewrote."""
    return getattr(fn, _CONVERTED, False)


# ----------------------------------------------------------------- source -> code ------------

def _parse(fn):
    """The FunctionDef of `fn` at its real line and column numbers, or None."""
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    source = "".join(lines)
    indented = source[:1] in (" ", "\t")
    try:  # `if 1:` lets indented source parse with its real columns
        tree = ast.parse("if 1:\n" + source if indented else source)
    except SyntaxError:
        return None
    body = tree.body[0].body if indented else tree.body
    node = body[0] if body else None
    if not isinstance(node, ast.FunctionDef) or node.name != fn.__code__.co_name:
        return None  # a lambda, or source that is not this code (a decorator's wrapper)
    ast.increment_lineno(node, first - (2 if indented else 1))
    node.decorator_list = []  # already applied to `fn` (and @tf.function must not re-wrap)
    return node


def _convert_code(fn):
    """The code object of the converted function, or None when it is unchanged."""
    func_def = _parse(fn)
    try:
        if func_def is None or not _rewrite(func_def):
            return None
        return _compile(fn, func_def)
    except Exception as exc:  # noqa: BLE001 - a converter bug must not break the function
        warnings.warn(f"AutoGraph could not convert {fn.__qualname__} and will run it as is: "
                      f"{exc.__class__.__name__}: {exc}", stacklevel=3)
        return None


def _rewrite(func_def) -> bool:
    """All of AutoGraph on one FunctionDef, in place: jumps lowered to flags, then
    if/while/for converted, then the expressions (and/or/not, calls). True if changed."""
    taken = {getattr(n, a) for n in ast.walk(func_def) for a in ("id", "arg", "name")
             if isinstance(getattr(n, a, None), str)}

    def unique(base):
        name, i = base, 0
        while name in taken:
            i += 1
            name = f"{base}_{i}"
        taken.add(name)
        return name
    lowered = lower_jumps(func_def, unique)
    changed = _Converter(func_def).convert()
    before = ast.dump(func_def)
    convert_expressions(func_def)
    return lowered or changed or ast.dump(func_def) != before


def _compile(fn, func_def):
    """Compiles `func_def` inside a factory whose parameters are `ag__` and fn's free
    variables (so they stay free variables: fn's own cells are reused), inside a class
    of the enclosing class's name when there is one (so `self.__x` is name-mangled)."""
    code = fn.__code__
    func_def.name = _FACTORY + "_fn"  # not fn's name: the factory must not shadow a global
    factory = _function(_FACTORY, ["ag__", *code.co_freevars], [func_def])
    outer = _enclosing_class(fn.__qualname__)
    top = factory if outer is None else ast.ClassDef(
        name=outer, bases=[], keywords=[], body=[factory], decorator_list=[])
    module = ast.Module(body=[_located(top, func_def)], type_ignores=[])
    compiled = compile(module, code.co_filename, "exec",
                       flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True)
    for name in ([] if outer is None else [outer]) + [_FACTORY, func_def.name]:
        compiled = next(c for c in compiled.co_consts
                        if isinstance(c, types.CodeType) and c.co_name == name)
    return compiled.replace(co_name=code.co_name, co_qualname=code.co_qualname)


def _enclosing_class(qualname):
    """The innermost class a function was written in, from its qualified name."""
    parts = qualname.split(".")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] != "<locals>" and parts[i + 1] != "<locals>":
            return parts[i]
    return None


def _make_function(fn, new_code):
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells["ag__"] = types.CellType(autograph_runtime)
    new = types.FunctionType(new_code, fn.__globals__, fn.__name__, fn.__defaults__,
                             tuple(cells[name] for name in new_code.co_freevars))
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__dict__.update(fn.__dict__)
    for attr in ("__qualname__", "__module__", "__doc__", "__annotations__"):
        setattr(new, attr, getattr(fn, attr))
    new.__wrapped__ = fn
    setattr(new, _CONVERTED, True)
    return new


# ----------------------------------------------------------------- analysis ----------------

def _reads(node) -> set:
    """Names `node` reads in its own scope (nested def/lambda bodies and comprehension
    variables excluded; `x += 1` reads x)."""
    out, stack = set(), [(node, frozenset())]
    while stack:
        n, hidden = stack.pop()
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load) and n.id not in hidden:
                out.add(n.id)
            continue
        if n is not node and isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
        if isinstance(n, _COMPREHENSIONS):
            hidden = hidden | {t.id for g in n.generators for t in ast.walk(g.target)
                               if isinstance(t, ast.Name)}
        stack.extend((c, hidden) for c in ast.iter_child_nodes(n))
    return out


def _assigned(nodes) -> list:
    """Names bound in the current scope by `nodes`, in source order (a nested def's or
    class's name, not its body; walrus targets in comprehensions, not their variables;
    not `except ... as e`, which Python unbinds after the handler)."""
    out, stack = {}, list(reversed(nodes))
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out[n.id] = None
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[n.name] = None
            continue
        elif isinstance(n, ast.Lambda):
            continue
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name.split(".")[0], None) for a in n.names if a.name != "*")
        elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
            out[n.name] = None
        elif isinstance(n, ast.MatchMapping) and n.rest:
            out[n.rest] = None
        children = [n.iter, *n.ifs] if isinstance(n, ast.comprehension) else \
            list(ast.iter_child_nodes(n))
        stack.extend(reversed(children))
    return list(out)


def _kills(stmt) -> set:
    """Names a simple statement certainly binds (so their earlier values are dead)."""
    if isinstance(stmt, ast.Assign):
        return set(_assigned(stmt.targets))
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) and isinstance(stmt.target, ast.Name):
        return {stmt.target.id} if getattr(stmt, "value", True) is not None else set()
    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                         ast.ClassDef)):
        return set(_assigned([stmt]))
    return set()


class _Liveness:
    """Backward liveness over a function body: for each if/while/for, the names that may
    be read after it (and, for a branch or loop body, before they are assigned in it)."""

    def __init__(self, func_def):
        self.state_live: dict = {}  # id(statement) -> live names
        self._loops: list = []  # (live after the loop, live at its head), innermost last
        self._extra: set = set()  # read by a surrounding try's handlers or finally
        self.block(func_def.body, set())

    def block(self, stmts, live):
        for stmt in reversed(stmts):
            live = self.stmt(stmt, live)
        return live

    def stmt(self, stmt, live):
        visit = getattr(self, "_" + type(stmt).__name__, None)
        out = visit(stmt, live) if visit else (live - _kills(stmt)) | _reads(stmt)
        return out | self._extra

    def _If(self, stmt, live):
        body, orelse = self.block(stmt.body, live), self.block(stmt.orelse, live)
        self.state_live[id(stmt)] = live | body | orelse
        return _reads(stmt.test) | body | orelse

    def _loop(self, stmt, live, entry, killed):
        head = entry | self.block(stmt.orelse, live)
        while True:  # to a fixed point: a name read early in the body is live at its end
            self._loops.append((live, head))
            new = head | (self.block(stmt.body, head) - killed)
            self._loops.pop()
            if new == head:
                break
            head = new
        self.state_live[id(stmt)] = head
        return head

    def _While(self, stmt, live):
        return self._loop(stmt, live, _reads(stmt.test), set())

    def _For(self, stmt, live):
        extra = getattr(stmt, EXTRA_TEST, None)
        entry = set() if extra is None else _reads(extra)
        return _reads(stmt.iter) | self._loop(stmt, live, entry, set(_assigned([stmt.target])))

    _AsyncFor = _For

    def _With(self, stmt, live):
        bound = set(_assigned([i.optional_vars for i in stmt.items if i.optional_vars]))
        return set().union(*map(_reads, stmt.items)) | (self.block(stmt.body, live) - bound)

    _AsyncWith = _With

    def _Try(self, stmt, live):
        final = self.block(stmt.finalbody, live)
        handlers = set()
        for h in stmt.handlers:
            handlers |= self.block(h.body, final) | (_reads(h.type) if h.type else set())
        # an exception jumps from anywhere in the body to the handlers (or the finally)
        unwind = self.block(stmt.finalbody, set()) if stmt.finalbody else set()
        saved, self._extra = self._extra, self._extra | handlers | unwind
        body = self.block(stmt.body, self.block(stmt.orelse, final))
        self._extra = saved
        return body

    _TryStar = _Try

    def _Return(self, stmt, live):
        return _reads(stmt)

    _Raise = _Return

    def _Break(self, stmt, live):
        return set(self._loops[-1][0]) if self._loops else live

    def _Continue(self, stmt, live):
        return set(self._loops[-1][1]) if self._loops else live

    def _FunctionDef(self, stmt, live):
        return live - {stmt.name}  # what its body reads is live everywhere (closure_reads)

    _AsyncFunctionDef = _ClassDef = _FunctionDef  # (a `match` gets the conservative default)


def _closure_reads(func_def):
    """Names read by nested functions, lambdas, classes and generator expressions:
    they may run at any later time, so these names count as live everywhere. None
    (everything is live) when the function reads its own frame (locals(), eval...)."""
    out = set()
    for node in ast.walk(func_def):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in _FRAME_READERS:
            return None
        if node is not func_def and isinstance(node, (*_SCOPES, ast.GeneratorExp)):
            out |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return out


def _why_not(stmt, declared):
    """Why `stmt` must stay Python (None: it can be converted)."""
    if isinstance(stmt, ast.For) and not all(
            isinstance(n, (ast.Name, ast.Tuple, ast.List)) for n in ast.walk(stmt.target)
            if not isinstance(n, (ast.Load, ast.Store))):
        return "its target is not a name or a tuple of names"
    if isinstance(stmt, ast.While) and any(isinstance(n, ast.NamedExpr)
                                           for n in ast.walk(stmt.test)):
        return "its test assigns with :="
    nodes = stmt.body + stmt.orelse + ([stmt.test] if isinstance(stmt, ast.While) else [])
    reason = _escape(nodes)
    if reason:
        return reason
    names = _assigned(nodes)
    if set(names) & declared:
        return "it assigns a global or nonlocal name"
    if not names and any(isinstance(t, (ast.Attribute, ast.Subscript))
                         for n in nodes for s in ast.walk(n)
                         for t in getattr(s, "targets", [getattr(s, "target", None)])):
        return "it assigns only attributes or subscripts"
    return None


def _escape(nodes):
    """The construct in `nodes` that cannot move into a local function, if any."""
    stack = [(n, False) for n in nodes]
    while stack:
        n, in_loop = stack.pop()
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Global,
                          ast.Nonlocal)):
            return type(n).__name__.lower()
        if isinstance(n, (ast.Break, ast.Continue)) and not in_loop:
            return type(n).__name__.lower()
        if isinstance(n, ast.Delete) and any(isinstance(t, ast.Name) for t in n.targets):
            return "del"
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and (
                n.func.id in _FRAME_READERS or (n.func.id == "super" and not n.args)):
            return f"{n.func.id}()"  # they read the frame they are called in
        if isinstance(n, _LOOPS):
            stack.extend((c, True if c in n.body else in_loop) for c in ast.iter_child_nodes(n))
            continue
        stack.extend((c, in_loop) for c in ast.iter_child_nodes(n))
    return None


# ----------------------------------------------------------------- the rewrite -------------

class _Converter:
    """Rewrites one FunctionDef in place; convert() says whether anything changed."""

    def __init__(self, func_def):
        self.func_def = func_def
        self.liveness = _Liveness(func_def)
        self.always = _closure_reads(func_def)
        scope_nodes = [n for s in func_def.body for n in _walk_scope(s)]
        self.declared = {name for n in scope_nodes if isinstance(n, (ast.Global, ast.Nonlocal))
                         for name in n.names}
        self.deleted = {t.id for n in scope_nodes if isinstance(n, ast.Delete)
                        for t in n.targets if isinstance(t, ast.Name)}
        args = func_def.args
        self.params = frozenset(
            a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs,
                            *filter(None, [args.vararg, args.kwarg])]) - self.deleted
        self.taken = {"ag__"} | {getattr(n, a) for n in ast.walk(func_def)
                                 for a in ("id", "arg", "name") if isinstance(getattr(n, a, None),
                                                                              str)}
        self.changed = False

    def convert(self) -> bool:
        self._explicit_super()
        self.func_def.body = self.block(self.func_def.body, self.params)
        return self.changed

    def _explicit_super(self):
        """`super()` as `super(__class__, self)`: the zero-argument form finds its class
        and instance in the frame it runs in, which a branch function is not."""
        args = self.func_def.args
        first = (args.posonlyargs + args.args)[:1]
        if not first:
            return
        for node in (n for s in self.func_def.body for n in _walk_scope(s)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id == "super" and not node.args and not node.keywords:
                node.args = [ast.copy_location(_name(n), node) for n in ("__class__",
                                                                           first[0].arg)]

    def unique(self, base):
        name, i = base, 0
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        return name

    def block(self, stmts, known):
        """The statements rewritten; `known`: names certainly bound at this point (read
        directly, not through locals()), updated statement by statement."""
        out = []
        for stmt in stmts:
            for new in self.stmt(stmt, known):
                out.append(new)
                known = (known | _kills(new)) - self.deleted
        return out

    def stmt(self, stmt, known):
        if isinstance(stmt, (ast.If, ast.While, ast.For)) and \
                _why_not(stmt, self.declared) is None:
            self.changed = True
            new = getattr(self, "_" + type(stmt).__name__)(stmt, known)
            return [_located(n, stmt) for n in new]
        if isinstance(stmt, _SCOPES):
            return [stmt]
        if getattr(stmt, EXTRA_TEST, None) is not None:  # a lowered `for` left as Python
            stmt.iter = _call("guarded_iter", stmt.iter, ast.Lambda(
                args=_arguments([]), body=getattr(stmt, EXTRA_TEST)))
        for field in ("body", "orelse", "finalbody"):
            value = getattr(stmt, field, None)
            if value and isinstance(value[0], ast.stmt):
                setattr(stmt, field, self.block(value, known))
        for part in [*getattr(stmt, "handlers", []), *getattr(stmt, "cases", [])]:
            part.body = self.block(part.body, known)
        return [stmt]

    def state(self, stmt, assigned):
        live = self.liveness.state_live.get(id(stmt))
        if self.always is None or live is None:
            return assigned
        return [n for n in assigned if n in live or n in self.always]

    def values(self, names, known):
        """The state's current values: names that may be unbound are read from locals()."""
        if all(n in known for n in names):
            return _tuple(names)
        return _call("state", _name("locals", call=True), _strings(names))

    def _If(self, stmt, known):
        names = self.state(stmt, _assigned(stmt.body + stmt.orelse))
        body, orelse = self.unique("if_body"), self.unique("else_body")
        call = _call("if_stmt", stmt.test, _name(body), _name(orelse),
                     self.values(names, known), _strings(names))
        return [_function(body, names, self.block(stmt.body, frozenset(names)), names),
                _function(orelse, names, self.block(stmt.orelse, frozenset(names)), names),
                _assign(names, call)]

    def _While(self, stmt, known):
        names = self.state(stmt, _assigned(stmt.body))
        test, body = self.unique("loop_test"), self.unique("loop_body")
        call = _call("while_stmt", _name(test), _name(body), self.values(names, known),
                     _strings(names))
        return [_function(test, names, [ast.Return(value=stmt.test)]),
                _function(body, names, self.block(stmt.body, frozenset(names)), names),
                _assign(names, call), *self.block(stmt.orelse, known)]

    def _For(self, stmt, known):
        targets = _assigned([stmt.target])
        names = self.state(stmt, _assigned([stmt.target] + stmt.body))
        item, body = self.unique("itr"), self.unique("loop_body")
        first = ast.Assign(targets=[stmt.target], value=_name(item))
        statements = [first] + self.block(stmt.body, frozenset(names + targets))
        call = _call("for_stmt", _range(stmt.iter), _name(body), self.values(names, known),
                     _strings(names))
        extra, extra_test = getattr(stmt, EXTRA_TEST, None), []
        if extra is not None:  # a lowered break or return: checked before each item
            name = self.unique("extra_test")
            extra_test = [_function(name, names, [ast.Return(value=extra)])]
            call.keywords.append(ast.keyword(arg="extra_test", value=_name(name)))
        if any(n in names for n in targets):  # read after the loop: zeros until it runs
            call.keywords.append(ast.keyword(arg="iterate_names",
                                             value=_strings([n for n in targets if n in names])))
        return [_function(body, [item] + names, statements, names), *extra_test,
                _assign(names, call), *self.block(stmt.orelse, known)]


def _range(node):
    """`range(n)` as `ag__.range_(range, n)`: tf.range when n is a symbolic tensor (the
    `range` the code sees is passed, so a shadowing definition still wins)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "range" and not node.keywords and \
            not any(isinstance(a, ast.Starred) for a in node.args):
        return ast.copy_location(_call("range_", node.func, *node.args), node)
    return node


# ----------------------------------------------------------------- ast builders -------------

def _name(name, call=False):
    node = ast.Name(id=name, ctx=ast.Load())
    return ast.Call(func=node, args=[], keywords=[]) if call else node


def _call(runtime_fn, *args):
    func = ast.Attribute(value=_name("ag__"), attr=runtime_fn, ctx=ast.Load())
    return ast.Call(func=func, args=list(args), keywords=[])


def _tuple(names, ctx=ast.Load):
    return ast.Tuple(elts=[ast.Name(id=n, ctx=ctx()) for n in names], ctx=ctx())


def _strings(names):
    return ast.Tuple(elts=[ast.Constant(value=n) for n in names], ctx=ast.Load())


def _assign(names, call):
    if not names:
        return ast.Expr(value=call)
    return ast.Assign(targets=[_tuple(names, ast.Store)], value=call)


def _arguments(params):
    return ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _function(name, params, body, returns=None):
    """`def name(*params): body; return (*returns,)` (no return when returns is None)."""
    body = body + ([] if returns is None else [ast.Return(value=_tuple(returns))])
    node = ast.FunctionDef(name=name, args=_arguments(params), body=body, decorator_list=[],
                           returns=None, type_comment=None)
    setattr(node, GENERATED, True)
    return node


def _located(node, at):
    """Gives generated nodes (those without a position) the line of the statement they
    replace: the user's `if`/`while`/`for` line is what tracebacks then show."""
    head = getattr(at, "test", None) or getattr(at, "iter", None) or at
    end = head.end_col_offset + 1 if head.end_lineno == at.lineno else at.col_offset
    for n in ast.walk(node):
        if "lineno" in n._attributes and not hasattr(n, "lineno"):
            n.lineno, n.col_offset = at.lineno, at.col_offset
            n.end_lineno, n.end_col_offset = at.lineno, end
    return node


autograph_runtime.register_converter(convert)
