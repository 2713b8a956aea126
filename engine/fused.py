"""An element-wise rule fused into the loop of a plain 2-D path (``engine.runner``).

A learning-rate drag recomputes one run's whole path on every move: 1000 updates of
two coordinates is 2000 calls of the rule, and the calls, their argument tuples and
the rule's ``hp.name`` look-ups cost more than its arithmetic (half the path's time).
This module writes the loop once per rule with the rule's own statements pasted in
twice, once per coordinate, its locals renamed apart (``m`` becomes ``m__0`` and
``m__1``), each ``return x, state`` turned into an assignment and ``hp.name`` read
once before the loop; arithmetic on the hyperparameters alone is worked out once
(``_share``) and ``ops.sqrt`` is FLOAT_OPS.sqrt's own expression. The statements are
the rule's, in its order, so the floats are the ones calling it gives
(``tests/test_fused.py`` checks every rule, bit for bit). Each loop comes in two forms:
rows of tuples, as ``runner._plain_path_2d`` returns them (``engine.branching``), and
flat lists of floats, which ``runner.run`` packs into arrays.

A rule whose source cannot be pasted (a closure, a loop, a nested function, a return
that is not the last statement of its branch, a typed custom rule without a source)
gets None, and the caller calls the rule as before. torch chooses its fused Adam the
same way: in one place, guarded by a test that it matches the plain loop.
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
import weakref

# What cannot be pasted into a loop body as it is: new scopes, loops and exception
# handlers (a return inside them would need more than an assignment), name bindings
# that reach outside the function.
_REFUSED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
            ast.DictComp, ast.GeneratorExp, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With,
            ast.AsyncWith, ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr,
            ast.Delete, ast.Match, ast.Starred)

_PREFIX = "_k_"  # the loop's own names; a rule that uses one is not fused
_fused: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class NotFusable(Exception):
    """Why a rule keeps being called: its source cannot be pasted into the loop."""


def fused_path_2d(rule, flat: bool = False):
    """The 2-D loop with ``rule`` pasted in, made once per rule; None if it cannot be.

    ``loop(grad, hp, lrs, x, state, steps, bounds, record_states, k0, ops)`` returns
    ``(xs, gs, states, diverged)`` exactly as ``runner._plain_path_2d`` does; with
    ``flat`` the same floats as flat lists, row after row (x0, x1, x0, x1, ...; the
    states coordinate 0's slots then coordinate 1's), which ``runner.packed_rows`` turns
    into arrays ~4x faster than np.fromiter takes rows of tuples."""
    try:
        loops = _fused.setdefault(rule, {})
    except TypeError:  # not weak-referenceable (a builtin, a partial): called as it is
        return None
    if flat not in loops:  # each form only when asked: ~5 ms a compile, paid at start-up
        try:
            loops[flat] = _fuse(rule, flat)
        except NotFusable:
            loops[flat] = None
    return loops[flat]


def _fuse(rule, flat: bool):
    """The loop's source from ``rule``'s, compiled (``fused_path_2d``); NotFusable if not."""
    # only the engine's own rules: their source is ours, never text a user typed
    if not str(getattr(rule, "__module__", "")).startswith("engine."):
        raise NotFusable("not one of the engine's rules")
    if getattr(rule, "__closure__", None) or getattr(rule, "__defaults__", None) \
            or not hasattr(rule, "__globals__"):
        raise NotFusable("a closure or a rule with defaults: its names are not all module globals")
    try:
        source = textwrap.dedent(inspect.getsource(rule))
    except (OSError, TypeError) as err:  # typed at run time: no file to read
        raise NotFusable(str(err)) from None
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a lambda's source is the line around it
        raise NotFusable("its source is not a function definition") from None
    fn = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(fn, ast.FunctionDef) or fn.decorator_list or fn.args.vararg or fn.args.kwarg \
            or fn.args.kwonlyargs or fn.args.posonlyargs or len(fn.args.args) != 7:
        raise NotFusable("not a plain rule(g, x, state, hp, t, lr, ops)")
    for node in ast.walk(fn):
        if node is not fn and isinstance(node, _REFUSED):
            raise NotFusable(f"{type(node).__name__} in the rule")
        if isinstance(node, ast.Name) and node.id.startswith(_PREFIX):
            raise NotFusable(f"the rule uses the loop's name {node.id}")
    g, x, state, hp, t, lr, ops = (a.arg for a in fn.args.args)
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    if stored & {hp, t, lr, ops}:
        raise NotFusable("the rule rebinds one of the names both coordinates share")
    local = stored | {g, x, state}
    shared = {hp: "hp", t: "t", lr: "lr", ops: "ops"}
    reads = sorted({n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name) and n.value.id == hp and isinstance(n.ctx, ast.Load)})
    coordinates = []
    for i in (0, 1):
        renamed = [_Rename(local, shared, hp, i).visit(ast.parse(ast.unparse(s)).body[0]) for s in body]
        coordinates += _returns_assigned(renamed, f"{x}__{i}", f"{state}__{i}")
    once, each_step = _share(coordinates, {f"{_PREFIX}hp_{a}" for a in reads})
    variant = {k: v.format(x=x, state=state) for k, v in (_FLAT if flat else _ROWS).items()}
    loop = ast.parse(_LOOP.format(g=g, x=x, state=state, **variant,
                                  hoisted="".join(f"\n    {_PREFIX}hp_{a} = getattr(hp, {a!r}, _k_absent)"
                                                  for a in reads)))
    step = next(n for n in ast.walk(loop) if isinstance(n, ast.For))
    at = next(k for k, s in enumerate(step.body) if _is_pass(s))
    # the values that never change on the first step, where the rule would first meet them
    # (an error in them is that step's, after its gradient, as calling the rule gives)
    first = [ast.If(ast.parse(f"{_PREFIX}k == {_PREFIX}k0", mode="eval").body, once, [])] if once else []
    step.body[at:at + 1] = first + each_step + coordinates
    code = compile(ast.fix_missing_locations(loop), f"<{rule.__module__}.{rule.__qualname__} fused 2-D>", "exec")
    space: dict = {}
    exec(code, rule.__globals__, space)  # the rule's helpers (momentum_coefficient, ...) resolve as in the rule
    loop = space[_PREFIX + "path"]
    loop.__kwdefaults__ = {_PREFIX + "absent": _ABSENT, _PREFIX + "sqrt": math.sqrt, _PREFIX + "nan": math.nan}
    return loop


class _Absent:
    """What ``hp.name`` was read as, before the loop, for a name this ``hp`` lacks. The
    rule may never reach that read (a branch not taken); where it does, it fails: an
    ``if`` with the AttributeError calling the rule gives, arithmetic with a TypeError."""

    def __bool__(self):
        raise AttributeError("the hyperparameters lack a name this rule reads")


_ABSENT = _Absent()


class _Rename(ast.NodeTransformer):
    """Coordinate ``i``'s copy: the rule's locals get ``__i``; the shared parameters their
    loop names; ``hp.name`` the local read once before the loop."""

    def __init__(self, local, shared, hp, i):
        self.local, self.shared, self.hp, self.i = local, shared, hp, i

    def visit_Call(self, node):
        """``ops.sqrt(v)`` as ``FLOAT_OPS.sqrt``'s own expression (engine.ops._fsqrt:
        sqrt(v) if v >= 0.0 else nan), v bound once: a Python call per coordinate and
        step saved, the same float (tests/test_fused.py compares the two). The loop steps
        Python floats only (runner passes FLOAT_OPS)."""
        self.generic_visit(node)  # the arguments first; ``ops`` has its loop name now
        func = node.func
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "ops"
                and func.attr == "sqrt" and len(node.args) == 1 and not node.keywords):
            value = ast.Name(f"{_PREFIX}v", ast.Load())
            bound = ast.NamedExpr(ast.Name(f"{_PREFIX}v", ast.Store()), node.args[0])
            return ast.copy_location(ast.IfExp(
                test=ast.Compare(bound, [ast.GtE()], [ast.Constant(0.0)]),
                body=ast.Call(ast.Name(f"{_PREFIX}sqrt", ast.Load()), [value], []),
                orelse=ast.Name(f"{_PREFIX}nan", ast.Load())), node)
        return node

    def visit_Name(self, node):
        if node.id in self.local:
            node.id = f"{node.id}__{self.i}"
        elif node.id in self.shared:
            node.id = self.shared[node.id]
        return node

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == self.hp and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Name(f"{_PREFIX}hp_{node.attr}", ast.Load()), node)
        self.generic_visit(node)
        return node


def _is_pass(node) -> bool:
    return isinstance(node, ast.Pass)


def _share(stmts, hp_names):
    """Arithmetic on the hyperparameters alone, worked out once instead of per coordinate
    and step: ``1.0 - beta1`` once before the loop, ``1.0 - beta1 ** t`` once a step for
    both coordinates. The same operations on the same numbers, so the same floats.

    Only what the rule evaluates anyway is taken, and under the same condition: an
    expression built of operators alone (no call) in a statement the step always runs,
    or in a branch of an ``if`` on a hyperparameter (``if bias_correction:``), which
    then guards its shared value too; never under a conditional expression, ``and``/
    ``or`` or a comparison. Returns (statements before the loop, statements at the start
    of each step); ``stmts`` name the results instead."""
    step_names = hp_names | {"t", "lr"}
    found: dict = {}  # (guard, ast.dump) -> (name, expression, per step, guard)

    def names(node):
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}

    def shared(node) -> bool:
        return (isinstance(node, (ast.BinOp, ast.UnaryOp)) and names(node) <= step_names
                and all(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.operator,
                                       ast.unaryop, ast.Load)) for n in ast.walk(node)))

    class Replace(ast.NodeTransformer):
        def __init__(self, guard):
            self.guard = guard

        def generic_visit(self, node):
            if isinstance(node, (ast.IfExp, ast.BoolOp, ast.Compare, ast.Lambda)):
                return node  # evaluated only sometimes
            return super().generic_visit(node)

        def visit(self, node):
            if isinstance(node, ast.expr) and shared(node):
                key = (self.guard, ast.dump(node))
                if key not in found:
                    found[key] = (f"{_PREFIX}c{len(found)}", node, bool(names(node) & {"t", "lr"}), self.guard)
                return ast.copy_location(ast.Name(found[key][0], ast.Load()), node)
            return super().visit(node)

    def walk(block, guard):
        for s in block:
            if isinstance(s, ast.If):
                if isinstance(s.test, ast.Name) and s.test.id in hp_names:  # the same branch every step
                    walk(s.body, guard + ((s.test.id, True),))
                    walk(s.orelse, guard + ((s.test.id, False),))
            else:
                Replace(guard).visit(s)

    walk(stmts, ())

    def emit(per_step):
        out = []
        for name, expr, step, guard in found.values():
            if step != per_step:
                continue
            stmt = ast.Assign([ast.Name(name, ast.Store())], expr)
            for test, truth in reversed(guard):
                cond = ast.Name(test, ast.Load())
                stmt = ast.If(cond if truth else ast.UnaryOp(ast.Not(), cond), [stmt], [])
            out.append(stmt)
        return out

    return emit(False), emit(True)


def _returns_assigned(stmts, x, state):
    """``stmts`` with every ``return e`` as ``x, state = e``. A return must end its
    branch; an ``if`` holding one takes the statements after it into the branches that
    do not return, so every path ends in exactly one assignment."""
    out = []
    for k, s in enumerate(stmts):
        if isinstance(s, ast.Return):
            if k != len(stmts) - 1 or s.value is None:
                raise NotFusable("a return that does not end its branch")
            target = ast.Tuple([ast.Name(x, ast.Store()), ast.Name(state, ast.Store())], ast.Store())
            out.append(ast.copy_location(ast.Assign([target], s.value), s))
            return out
        if isinstance(s, ast.If) and any(isinstance(n, ast.Return) for n in ast.walk(s)):
            rest = stmts[k + 1:]
            body = s.body if _returns(s.body) else s.body + rest
            orelse = s.orelse if _returns(s.orelse) else s.orelse + rest
            s.body, s.orelse = _returns_assigned(body, x, state), _returns_assigned(orelse, x, state)
            out.append(s)
            return out
        out.append(s)
    raise NotFusable("a branch of the rule that does not return")


def _returns(stmts) -> bool:
    last = stmts[-1] if stmts else None
    return isinstance(last, ast.Return) or (isinstance(last, ast.If) and _returns(last.body)
                                            and _returns(last.orelse))


# The loop of runner._plain_path_2d, names prefixed; ``pass`` is where the two copies go.
_LOOP = """
def _k_path(_k_grad, hp, _k_lrs, _k_x, _k_state, _k_steps, _k_bounds, _k_record, _k_k0, ops, *, _k_absent,
            _k_sqrt, _k_nan):
    {x}__0, {x}__1 = _k_x
    {state}__0, {state}__1 = _k_state
    (_k_lo0, _k_hi0), (_k_lo1, _k_hi1) = _k_bounds{hoisted}
    _k_xs, _k_gs = {first_x}, []
    _k_keep_x, _k_keep_g = _k_xs.append, _k_gs.{keep_g}
    _k_states = {first_state} if _k_record else None
    _k_diverged = None
    t = _k_k0
    try:
        for _k_k in range(_k_k0, _k_steps):
            t = _k_k + 1
            _k_g = _k_grad({x}__0, {x}__1)
            _k_keep_g(_k_g)
            lr = _k_lrs[_k_k]
            {g}__0, {g}__1 = _k_g
            pass
            {keep_x}
            if _k_states is not None:
                {keep_state}
            if not (_k_lo0 <= {x}__0 <= _k_hi0 and _k_lo1 <= {x}__1 <= _k_hi1):  # also false for nan
                raise FloatingPointError
    except (FloatingPointError, ArithmeticError, ValueError):
        _k_diverged = t
    return _k_xs, _k_gs, _k_states, _k_diverged
"""
# rows of tuples (what runner._plain_path_2d returns) or flat lists of floats
_ROWS = {"first_x": "[_k_x]", "keep_g": "append", "first_state": "[_k_state]",
         "keep_x": "_k_keep_x(({x}__0, {x}__1))", "keep_state": "_k_states.append(({state}__0, {state}__1))"}
_FLAT = {"first_x": "list(_k_x)", "keep_g": "extend", "first_state": "[*_k_state[0], *_k_state[1]]",
         "keep_x": "_k_keep_x({x}__0); _k_keep_x({x}__1)",
         "keep_state": "_k_states.extend({state}__0); _k_states.extend({state}__1)"}
