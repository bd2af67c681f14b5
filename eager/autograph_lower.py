"""AutoGraph's passes before and after the if/while/for conversion (eager/autograph.py).

Before: `return`, `break` and `continue` inside statements become assignments to flags,
so the statement can move into a local function (TensorFlow's return_statements,
break_statements and continue_statements converters):
- `return v` -> `retval_ = v; do_return = True`; the function ends `return ag__.ret(retval_)`.
- `break` -> `break_ = True`, and the loop runs only `while not break_ and <test>` (a
  `for` gets the flag as its extra test, checked before taking the next item).
- `continue` -> `continue_ = True`, reset at the top of each iteration.
The statements after one that may jump run under `if not flag:`, or, when one branch of
an `if` always jumps, move into its other branch: `if x > 0: return x` then `return -x`
becomes one `if` returning in both branches, as TensorFlow writes it, so neither
branch needs a return value it does not have. A jump inside `try` is left alone.

After: in every expression, `a and b`, `a or b`, `not a` become ag__.and_/or_/not_
(lazy, like Python), `a if c else b` becomes ag__.if_exp, and each call `f(x)` becomes
`ag__.converted_call(f, x)`, which converts a user function before calling it.
"""

from __future__ import annotations

import ast

__all__ = ["convert_expressions", "lower_jumps"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.While)
_FRAME_READERS = {"locals", "vars", "eval", "exec", "dir", "super", "globals"}
GENERATED = "_ag_generated"  # attribute marking functions and lambdas the converter made
EXTRA_TEST = "_ag_extra_test"  # attribute of a `for` lowered from a break or a return


# ----------------------------------------------------------------- finding jumps ----------

def _jumps(nodes, kind, into_loops):
    """'yes' when `nodes` hold a `kind` statement (Return, Break or Continue) in this scope
    (for break/continue: not one of a nested loop), 'try' when one is inside a try, 'no'."""
    found, stack = "no", [(n, False) for n in nodes]
    while stack:
        n, in_try = stack.pop()
        if isinstance(n, _SCOPES) or (not into_loops and isinstance(n, _LOOPS)):
            continue
        if isinstance(n, kind):
            if in_try:
                return "try"
            found = "yes"
        in_try = in_try or isinstance(n, (ast.Try, getattr(ast, "TryStar", ast.Try), ast.Match))
        stack.extend((c, in_try) for c in ast.iter_child_nodes(n))
    return found


def _always(stmts, kind) -> bool:
    """The block never completes normally: it ends in a `kind` jump (or a raise)."""
    for s in stmts:
        if isinstance(s, (kind, ast.Raise)):
            return True
        if isinstance(s, ast.If) and _always(s.body, kind) and _always(s.orelse, kind):
            return True
        if isinstance(s, ast.With) and _always(s.body, kind):
            return True
    return False


# ----------------------------------------------------------------- lowering ---------------

def _name(name, store=False):
    return ast.Name(id=name, ctx=ast.Store() if store else ast.Load())


def _set(name, value):
    return ast.Assign(targets=[_name(name, True)], value=value, lineno=0)


def _not(name):
    return ast.UnaryOp(op=ast.Not(), operand=_name(name))


def _guard(flag, stmts):
    return [ast.If(test=_not(flag), body=stmts, orelse=[])] if stmts else []


class _Jump:
    """Lowers one kind of jump to assignments of `flag` in a block and what it contains."""

    def __init__(self, kind, flag, replace, into_loops):
        self.kind, self.flag, self.replace, self.into_loops = kind, flag, replace, into_loops

    def may(self, stmt):
        return _jumps([stmt], self.kind, self.into_loops) != "no"

    def block(self, stmts):
        out = list(stmts)
        for i, stmt in enumerate(out):
            if not self.may(stmt):
                continue
            rest = out[i + 1:]
            if isinstance(stmt, ast.If) and rest:  # the rest joins the branch that goes on
                if _always(stmt.body, self.kind):
                    stmt.orelse, rest = stmt.orelse + rest, []
                elif _always(stmt.orelse, self.kind):
                    stmt.body, rest = stmt.body + rest, []
            lowered = self.stmt(stmt)
            if _always([stmt], self.kind):
                rest = []
            return out[:i] + lowered + _guard(self.flag, self.block(rest))
        return out

    def stmt(self, stmt):
        if isinstance(stmt, self.kind):
            return [ast.copy_location(s, stmt) for s in self.replace(stmt)]
        if isinstance(stmt, _LOOPS):  # only when into_loops: a return leaves every loop
            stmt.body = self.block(stmt.body)
            _stop_loop_when(stmt, self.flag)
            stmt.orelse = _guard(self.flag, stmt.orelse)
            return [stmt]
        for field in ("body", "orelse"):
            if hasattr(stmt, field):
                setattr(stmt, field, self.block(getattr(stmt, field)))
        return [stmt]


def _stop_loop_when(loop, flag):
    """The loop goes on only while `flag` is False: checked before the test or the next
    item, as Python checks nothing more after a break."""
    if isinstance(loop, ast.While):
        loop.test = ast.BoolOp(op=ast.And(), values=[_not(flag), loop.test])
    else:
        old = getattr(loop, EXTRA_TEST, None)
        test = _not(flag) if old is None else ast.BoolOp(op=ast.And(), values=[_not(flag), old])
        setattr(loop, EXTRA_TEST, test)


def lower_jumps(func_def, unique):
    """Lowers the function's returns, then each loop's breaks and continues; `unique(base)`
    gives an unused name. Returns True when anything changed."""
    body = func_def.body
    changed = False
    inner = [c for s in body if not isinstance(s, ast.Return) for c in ast.iter_child_nodes(s)]
    if _jumps(inner, ast.Return, True) == "yes" and _jumps(body, ast.Return, True) == "yes":
        done, value = unique("do_return"), unique("retval_")

        def replace(ret):
            return [_set(value, ret.value or ast.Constant(value=None)),
                    _set(done, ast.Constant(value=True))]
        body = _Jump(ast.Return, done, replace, True).block(body)
        undefined = ast.Call(func=ast.Attribute(value=_name("ag__"), attr="UndefinedReturnValue",
                                                ctx=ast.Load()), args=[], keywords=[])
        result = ast.Call(func=ast.Attribute(value=_name("ag__"), attr="ret", ctx=ast.Load()),
                          args=[_name(value)], keywords=[])
        body = [_set(done, ast.Constant(value=False)), _set(value, undefined), *body,
                ast.Return(value=result)]
        changed = True
    for loop in [n for s in body for n in _walk_scope(s) if isinstance(n, _LOOPS)]:
        changed |= _lower_loop(loop, unique)
    func_def.body = [_at(s, func_def.body[0]) for s in body]
    _insert_break_flags(func_def)
    return changed


def _lower_loop(loop, unique):
    """Lowers `continue` then `break` of one loop (statements before it get the flag)."""
    changed = False
    if _jumps(loop.body, ast.Continue, False) == "yes":
        flag = unique("continue_")
        jump = _Jump(ast.Continue, flag, lambda s: [_set(flag, ast.Constant(value=True))], False)
        loop.body = [_set(flag, ast.Constant(value=False)), *jump.block(loop.body)]
        changed = True
    if _jumps(loop.body, ast.Break, False) == "yes":
        flag = unique("break_")
        jump = _Jump(ast.Break, flag, lambda s: [_set(flag, ast.Constant(value=True))], False)
        loop.body = jump.block(loop.body)
        _stop_loop_when(loop, flag)
        loop.orelse = _guard(flag, loop.orelse)
        loop._ag_break_flag = flag
        changed = True
    return changed


def _walk_scope(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if n is node or not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))


def _at(stmt, where):
    """Positions for the nodes lowering made (the line of the statement they stand for)."""
    for n in ast.walk(stmt):
        for child in ast.iter_child_nodes(n):
            if "lineno" in child._attributes and not getattr(child, "lineno", 0):
                ast.copy_location(child, n if getattr(n, "lineno", 0) else where)
    if not getattr(stmt, "lineno", 0):
        ast.copy_location(stmt, where)
    return stmt


def _insert_break_flags(func_def):
    """`break_ = False` just before each loop whose breaks were lowered (the flag is part
    of the loop's state, so it needs a value when the loop starts)."""
    for node in _walk_scope(func_def):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if not isinstance(stmts, list) or not stmts or not isinstance(stmts[0], ast.stmt):
                continue
            new = []
            for s in stmts:
                flag = getattr(s, "_ag_break_flag", None)
                if flag:
                    new.append(ast.copy_location(_set(flag, ast.Constant(value=False)), s))
                new.append(s)
            setattr(node, field, new)


# ----------------------------------------------------------------- expressions ------------

def _runtime(fn, *args):
    return ast.Call(func=ast.Attribute(value=_name("ag__"), attr=fn, ctx=ast.Load()),
                    args=list(args), keywords=[])


def _thunk(expr):
    lam = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                        kw_defaults=[], kwarg=None, defaults=[]), body=expr)
    setattr(lam, GENERATED, True)
    return ast.copy_location(lam, expr)


def _movable(node) -> bool:
    """A sub-expression can move into a lambda: no `:=`, `yield` or `await` in it."""
    return not any(isinstance(n, (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await))
                   for n in ast.walk(node))


class _Expressions(ast.NodeTransformer):
    """and/or/not, conditional expressions and calls, as calls into the runtime."""

    def visit_FunctionDef(self, node):  # a user's nested def is converted when called
        return self.generic_visit(node) if getattr(node, GENERATED, False) else node

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        if not _movable(node):
            return node
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        return ast.copy_location(_runtime(fn, *map(_thunk, node.values)), node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_runtime("not_", node.operand), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if not _movable(node):
            return node
        return ast.copy_location(
            _runtime("if_exp", node.test, _thunk(node.body), _thunk(node.orelse)), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _FRAME_READERS:
            return node  # they read the frame they are called from
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                func.value.id == "ag__":
            return node
        new = _runtime("converted_call", func, *node.args)
        new.keywords = node.keywords
        return ast.copy_location(new, node)


def convert_expressions(func_def):
    """Rewrites the expressions of the (already converted) function body in place."""
    transformer = _Expressions()
    func_def.body = [transformer.visit(s) for s in func_def.body]
    ast.fix_missing_locations(func_def)
