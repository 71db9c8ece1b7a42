"""What holds on every path through one function, relative to its
parameters: the locks it returns holding or releases for its caller, the
parameters it puts, the calls it always makes with a parameter, and what it
returns.

A forward "must" analysis: one state per program point, paths meeting keep
only what both had (set intersection).  Only what the code proves counts: a
conditional acquisition (trylock), a call on one side of `&&` or `?:`, work
inside a loop that may run zero times adds nothing; a backward `goto` makes
the whole function unknown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from reviewer.checks.race.api import FnSpec, KernelApi
from reviewer.checks.race.exprs import args_of, unwrap
from reviewer.checks.race.params import Env, Rooted, value_source
from reviewer.cparse import node_text

__all__ = ["FlowResult", "LocalSpecs", "analyse"]

LockT = tuple[str, int, str, bool]  # (kind, param, path, shared)
RelT = tuple[str, int, str]
CallT = tuple[int, str, int]  # (param, callee, argument position)

# Reference-count primitives and the argument holding the count: dropping
# or taking one on `&p->field` (or `p`) is a put / get of p.
PUT_PRIMITIVES = {"kref_put": 0, "kref_put_lock": 0, "kref_put_mutex": 0,
                  "refcount_dec_and_test": 0, "refcount_dec_and_lock": 0,
                  "refcount_dec_and_lock_irqsave": 0, "refcount_dec_and_mutex_lock": 0,
                  "atomic_dec_and_test": 0, "atomic_dec_and_lock": 0,
                  "atomic_dec_and_lock_irqsave": 0, "lockref_put_return": 0,
                  "lockref_put_or_lock": 0, "lockref_put_not_zero": 0}
GET_PRIMITIVES = {"kref_get": 0, "refcount_inc": 0, "lockref_get": 0, "ihold": 0,
                  "__iget": 0, "atomic_inc": 0}
_DEC_UNLESS = frozenset({"atomic_add_unless", "atomic_long_add_unless"})


@dataclass(frozen=True, slots=True)
class FlowResult:
    acquires: tuple[LockT, ...] = ()  # held on every return, taken here
    releases: tuple[RelT, ...] = ()  # the caller's, released on every path
    puts: tuple[int, ...] = ()
    must_calls: tuple[CallT, ...] = ()
    ret_calls: tuple[str, ...] = ()  # functions whose result it returns
    ret_params: tuple[int, ...] = ()  # parameters it returns after taking a reference
    ret_other: bool = False  # some return is none of those, nor an error/NULL


class LocalSpecs:
    """Facts of the functions already read in this file, as callee specs."""

    def __init__(self, api: KernelApi) -> None:
        self.api = api
        self.flows: dict[str, FlowResult] = {}
        self.names = _interesting(api)

    def interesting(self, name: str) -> bool:
        """Calls of `name` can change a path's locks or references."""
        flow = self.flows.get(name)
        return name in self.names or (flow is not None and bool(
            flow.acquires or flow.releases or flow.puts or flow.ret_params))

    def add(self, name: str, flow: FlowResult | None) -> None:
        if name in self.flows or flow is None:  # two definitions (#ifdef): trust neither
            self.flows[name] = FlowResult(ret_other=True)
        else:
            self.flows[name] = flow

    def acquires(self, name: str) -> tuple[LockT, ...]:
        flow = self.flows.get(name)
        return flow.acquires if flow is not None else ()

    def releases(self, name: str) -> tuple[RelT, ...]:
        flow = self.flows.get(name)
        return flow.releases if flow is not None else ()

    def puts(self, name: str) -> tuple[int, ...]:
        flow = self.flows.get(name)
        return flow.puts if flow is not None else ()


_INTERESTING: dict[int, tuple[KernelApi, frozenset[str]]] = {}


def _interesting(api: KernelApi) -> frozenset[str]:
    """Names whose calls change locks or references, by the table (once
    per API: each file of a tree asks)."""
    if id(api) not in _INTERESTING:
        names = {n for n, s in api.functions.items()
                 if s.acquires or s.releases or s.puts is not None or s.returns_ref}
        _INTERESTING[id(api)] = (api, frozenset(
            names | set(PUT_PRIMITIVES) | set(GET_PRIMITIVES) | _DEC_UNLESS))
    return _INTERESTING[id(api)][1]


@dataclass
class _State:
    held: frozenset[LockT] = frozenset()
    released: frozenset[RelT] = frozenset()
    puts: frozenset[int] = frozenset()
    gets: frozenset[int] = frozenset()
    calls: frozenset[CallT] = frozenset()

    def meet(self, other: _State) -> _State:
        return _State(self.held & other.held, self.released & other.released,
                      self.puts & other.puts, self.gets & other.gets, self.calls & other.calls)


def _meet(states: list[_State | None]) -> _State | None:
    live = [s for s in states if s is not None]
    out = live[0] if live else None
    for s in live[1:]:
        out = out.meet(s) if out is not None else s
    return out


class _Unknown(Exception):
    """The function's paths cannot be followed (a backward goto)."""


@dataclass
class _Walk:
    env: Env
    local: LocalSpecs
    exits: list[tuple[_State, Node | None]] = field(default_factory=list)
    labels: dict[str, list[_State | None]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    breaks: list[list[_State | None]] = field(default_factory=list)

    def stmt(self, node: Node, st: _State | None) -> _State | None:
        t = node.type
        if t == "labeled_statement":
            label = node.child_by_field_name("label")
            name = node_text(label) if label is not None else ""
            self.seen.add(name)
            st = _meet([st, *self.labels.pop(name, [])])
            return self.seq([c for c in node.named_children if c != label], st)
        if st is None:
            return self.seq(node.named_children, None) if t == "compound_statement" else None
        if t in ("compound_statement", "translation_unit"):
            return self.seq(node.named_children, st)
        if t in ("expression_statement", "declaration"):
            return self.expr(node, st)
        if t == "return_statement":
            value = next(iter(node.named_children), None)
            st = self.expr(value, st) if value is not None else st
            self.exits.append((st, value))
            return None
        if t == "goto_statement":
            label = node.child_by_field_name("label")
            name = node_text(label) if label is not None else ""
            if name in self.seen:
                raise _Unknown(name)
            self.labels.setdefault(name, []).append(st)
            return None
        if t in ("break_statement", "continue_statement"):
            if self.breaks:
                self.breaks[-1].append(st)
            return None
        if t == "if_statement":
            return self.if_(node, st)
        if t in ("while_statement", "for_statement", "do_statement", "switch_statement"):
            return self.loop(node, st)
        if t.startswith("preproc_if") or t in ("preproc_else", "preproc_elif"):
            return self.preproc(node, st)
        if t == "ERROR":
            raise _Unknown(t)
        return st

    def seq(self, nodes: list[Node], st: _State | None) -> _State | None:
        for n in nodes:
            st = self.stmt(n, st)
        return st

    def if_(self, node: Node, st: _State) -> _State | None:
        cond = node.child_by_field_name("condition")
        st = self.expr(cond, st) if cond is not None else st
        body, alt = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
        yes = self.stmt(body, st) if body is not None else st
        no = self.seq(alt.named_children, st) if alt is not None else st
        return _meet([yes, no])

    def loop(self, node: Node, st: _State) -> _State | None:
        """Zero runs of a loop (or no matching case) is a path too; a
        do-while runs once.  Cases are entered from the switch or fall through."""
        cond = node.child_by_field_name("condition")
        if node.type != "do_statement" and cond is not None:
            st = self.expr(cond, st)
        body = node.child_by_field_name("body")
        self.breaks.append([])
        if node.type == "switch_statement" and body is not None:
            cur: _State | None = None
            has_default = False
            for case in body.named_children:
                if case.type != "case_statement":
                    cur = self.stmt(case, cur)
                    continue
                has_default |= case.child_by_field_name("value") is None
                cur = _meet([cur, st])
                value = case.child_by_field_name("value")
                cur = self.seq([c for c in case.named_children if c != value], cur)
            end = _meet([cur, *self.breaks.pop(), None if has_default else st])
            return end
        end = self.stmt(body, st) if body is not None else st
        broke = self.breaks.pop()
        if node.type == "do_statement":
            return _meet([end, *broke])
        return _meet([st, end, *broke])

    def preproc(self, node: Node, st: _State) -> _State | None:
        alt = node.child_by_field_name("alternative")
        inner = [c for c in node.named_children
                 if c is not alt and c.type != "preproc_defined"
                 and c != node.child_by_field_name("condition")
                 and c != node.child_by_field_name("name")]
        yes = self.seq(inner, st)
        no = self.stmt(alt, st) if alt is not None else st
        return _meet([yes, no])

    # --- expressions -------------------------------------------------------------
    def expr(self, node: Node, st: _State) -> _State:
        for call in sorted(_must_calls(node), key=lambda n: n.end_byte):
            st = self.call(call, st)
        return st

    def call(self, call: Node, st: _State) -> _State:
        fn = call.child_by_field_name("function")
        name = node_text(fn) if fn is not None and fn.type == "identifier" else ""
        args = args_of(call)
        roots = [self.env.root(a) for a in args]
        spec = self.env.api.get(name)
        held, released = set(st.held), set(st.released)
        for kind, p, path, shared in self._acquires(name, spec, roots):
            held.add((kind, p, path, shared))
            released.discard((kind, p, path))
        for kind, p, path in self._releases(name, spec, roots):
            mine = [h for h in held if h[:3] == (kind, p, path)]
            if mine:
                held.difference_update(mine)
            else:
                released.add((kind, p, path))
        puts, gets = set(st.puts), set(st.gets)
        for pos in self._puts(name, spec) + ([0] if self._dec_unless(name, args) else []):
            if pos < len(roots) and (r := roots[pos]) is not None and _whole(r):
                if r.param in gets:
                    gets.discard(r.param)  # drops the reference it took itself
                else:
                    puts.add(r.param)
        got = GET_PRIMITIVES.get(name)
        if got is None and spec is not None and spec.returns_ref:
            got = spec.alias_arg
        if got is not None and got < len(roots) and (r := roots[got]) is not None and _whole(r):
            gets.add(r.param)
        calls = set(st.calls)
        calls.update((r.param, name, i) for i, r in enumerate(roots)
                     if name and r is not None and _whole(r))
        return _State(frozenset(held), frozenset(released), frozenset(puts), frozenset(gets),
                      frozenset(calls))

    def _acquires(self, name: str, spec: FnSpec | None,
                  roots: list[Rooted | None]) -> Iterator[LockT]:
        for ls in spec.acquires if spec is not None else ():
            if ls.when is None and ls.arg is not None and ls.arg < len(roots) \
                    and (r := roots[ls.arg]) is not None:
                yield (ls.kind, r.param, _path(r, ls.of_dentry, ls.path), ls.shared)
        for kind, p, path, shared in self.local.acquires(name):
            if p < len(roots) and (r := roots[p]) is not None:
                yield (kind, r.param, _join(r, path), shared)

    def _releases(self, name: str, spec: FnSpec | None,
                  roots: list[Rooted | None]) -> Iterator[RelT]:
        for ls in spec.releases if spec is not None else ():
            if ls.arg is not None and ls.arg < len(roots) and (r := roots[ls.arg]) is not None:
                yield (ls.kind, r.param, _path(r, ls.of_dentry, ls.path))
        for kind, p, path in self.local.releases(name):
            if p < len(roots) and (r := roots[p]) is not None:
                yield (kind, r.param, _join(r, path))

    def _puts(self, name: str, spec: FnSpec | None) -> list[int]:
        out = list(self.local.puts(name))
        if spec is not None and spec.puts is not None:
            out.append(spec.puts)
        if name in PUT_PRIMITIVES:
            out.append(PUT_PRIMITIVES[name])
        return sorted(set(out))  # the table and the primitives may both say it

    def _dec_unless(self, name: str, args: list[Node]) -> bool:
        """`atomic_add_unless(&p->count, -1, 1)`: a put unless it is the last."""
        return name in _DEC_UNLESS and len(args) > 1 \
            and "".join(node_text(args[1]).split()) == "-1"


def _whole(r: Rooted) -> bool:
    """`p` itself or an object embedded in it (`&p->kref`): one reference."""
    return not r.path or r.address


def _join(r: Rooted, path: str) -> str:
    """The path of `path` under argument `r` (`&p->a` + "->lock" = ".a.lock"
    relative to p's object: `p->a.lock`)."""
    if r.address and path.startswith("->"):
        return r.path + "." + path[2:]
    return r.path + path


def _path(r: Rooted, of_dentry: bool, extra: str) -> str:
    return _join(r, extra + ("->d_inode" if of_dentry else ""))


def analyse(body: Node, env: Env, local: LocalSpecs, returns: str) -> FlowResult | None:
    """`returns`: "dentry" (a `struct dentry *`), "pointer" (another one:
    only a parameter returned with a reference counts) or ""."""
    env.learn(body)
    walk = _Walk(env, local)
    try:
        end = walk.stmt(body, _State())
    except _Unknown:
        return None
    if any(walk.labels.values()):
        return None  # a goto into code we did not follow: its paths are unknown
    if end is not None:
        walk.exits.append((end, None))
    exits = [s for s, _ in walk.exits]
    final = _meet(list(exits)) or _State()
    rels = {r for r in final.released if r not in {h[:3] for h in final.held}}
    ret_calls: set[str] = set()
    ret_params: set[int] = set()
    other = not returns
    for st, value in walk.exits if returns else ():
        kind = _returned(value, st, env)
        if kind.startswith("call:") and returns == "dentry":
            ret_calls.add(kind[5:])
        elif kind.startswith("param:"):
            ret_params.add(int(kind[6:]))
        elif kind != "err":
            other = True
    return FlowResult(tuple(sorted(final.held)), tuple(sorted(rels)), tuple(sorted(final.puts)),
                      tuple(sorted(final.calls)), tuple(sorted(ret_calls)),
                      tuple(sorted(ret_params)), other)


def _returned(value: Node | None, st: _State, env: Env) -> str:
    """What a return gives back: "call:NAME", "param:N" (a parameter it took
    a reference on), "err" (NULL, an error) or "other"."""
    if value is None:
        return "other"
    v = unwrap(value)
    if v.type == "identifier" and (r := env.root(v)) is not None and not r.path:
        return f"param:{r.param}" if r.param in st.gets else "other"
    if v.type == "identifier" and node_text(v) in env.sources:
        kinds = env.sources[node_text(v)] - {"err"}
        return next(iter(kinds)) if len(kinds) == 1 else "err" if not kinds else "other"
    return value_source(v)


def _must_calls(node: Node) -> Iterator[Node]:
    """Calls evaluated whenever `node` is: not the right of && / ||, nor the
    arms of ?:, nor inside sizeof or a nested statement expression."""
    stack = [node]
    while stack:
        cur = stack.pop()
        t = cur.type
        if t in ("sizeof_expression", "compound_statement", "string_literal"):
            continue
        if t == "call_expression":
            yield cur
        if t == "binary_expression":
            op = node_text(cur.child_by_field_name("operator") or cur)
            if op in ("&&", "||"):
                left = cur.child_by_field_name("left")
                if left is not None:
                    stack.append(left)
                continue
        if t == "conditional_expression":
            cond = cur.child_by_field_name("condition")
            if cond is not None:
                stack.append(cond)
            continue
        stack.extend(cur.children)
