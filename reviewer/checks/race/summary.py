"""What the analysis knows about a function before walking it: its sparse
annotations, the locks its body takes and drops (read once, in source order),
and, for the file's own helpers, which of their caller's locks they release."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi, LockSpec
from reviewer.checks.race.events import Events, FnContext
from reviewer.checks.race.exprs import Exprs, args_of, callee_name, strip_addr
from reviewer.checks.race.hits import Release
from reviewer.checks.race.state import WILDCARD, Held, LockKey, State, root_of
from reviewer.cparse import descendants, local_types, node_text, params, parse

__all__ = ["Static", "Summaries", "Summary", "function_context", "static"]

_ANNOTATIONS = ("__releases", "__must_hold", "__acquires")


class Summaries:
    """Lazily computed `_summary` of the file's functions, by name."""

    def __init__(self, nodes: dict[str, Node], api: KernelApi) -> None:
        self.nodes, self.api = nodes, api
        self.done: dict[str, list[Release]] = {}

    def get(self, name: str) -> list[Release]:
        if name not in self.done:
            self.done[name] = []  # recursion ends here
            node = self.nodes.get(name)
            if node is not None:
                self.done[name] = _summary(name, node, self.api, self.get)
        return self.done[name]


def name_returns_locked(name: str) -> bool:
    """`lock_parent`, `ovl_inode_lock`, `get_io_locks`: helpers meant to
    return holding a lock."""
    return any(tok.endswith(("lock", "locks")) and not tok.startswith("unlock")
               for tok in name.lower().split("_"))


Notes = dict[str, list[tuple[str, LockKey | None]]]


def read_annotations(node: Node, body: Node, x: Exprs) -> Notes:
    """Sparse annotations between the declarator and the body: for each, the
    locked expression ("tree->lock", "" for RCU) and its key when it says."""
    out: Notes = {a: [] for a in _ANNOTATIONS}
    empty = State()
    stack = [c for c in node.children if c is not body]
    while stack:
        cur = stack.pop()
        if cur.type == "call_expression" and (name := callee_name(cur)) in _ANNOTATIONS:
            for arg in args_of(cur):
                out[name].append(_annotation(node_text(arg), x, empty))
            continue
        stack.extend(cur.children)
    return out


def _annotation(text: str, x: Exprs, st: State) -> tuple[str, LockKey | None]:
    if text.strip().lower() in ("rcu", "rcu_read_lock"):
        return "", ("rcu", "")
    tree = parse(f"void __a(void) {{ {text}; }}")
    stmt = next((n for n in descendants(tree.root_node) if n.type == "expression_statement"), None)
    if stmt is None or not stmt.named_children:
        return " ".join(text.split()), None
    expr = stmt.named_children[0]
    return strip_addr(x.canon(expr, st)), x.lock_key(LockSpec("any", 0), [expr], st)


def _matches(key: LockKey, subject: str, x: Exprs) -> bool:
    return key[1] in (subject, x.dentry_of_lock(subject), x.inode_of_lock(subject))


@dataclass
class Static:
    """What a function's body does with locks, read once in source order."""

    acquired: set[LockKey]
    released: set[LockKey]
    inferred: set[LockKey]  # dropped before ever taken: the caller holds them
    annotated: set[LockKey]  # __releases / __must_hold / the table's requires
    releases: set[LockKey]  # inferred + __releases: what it drops for its caller
    always: set[LockKey]  # ... on every path (else only on some: unknown after a call)
    keeps: set[LockKey]  # taken last: it may return holding them (its caller unlocks)
    params: list[tuple[str | None, str]]


Summary = Callable[[str], list[Release]]


def static(name: str, node: Node, body: Node, api: KernelApi, x: Exprs,
           notes: Notes, callees: Summary | None = None) -> Static:
    events = Events(api, FnContext(name))
    st = State()
    first: dict[LockKey, str] = {}
    last: dict[LockKey, str] = {}
    ops: dict[str, set[LockKey]] = {"acquire": set(), "release": set()}
    for n in descendants(body):
        if n.type == "init_declarator" and (v := n.child_by_field_name("value")) is not None:
            d = n.child_by_field_name("declarator")
            while d is not None and d.type != "identifier":
                d = d.child_by_field_name("declarator")
            if d is not None and x.is_plain(v):
                events.bind(node_text(d), v, st, 0)
        elif n.type == "assignment_expression":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier" \
                    and x.is_plain(right):
                events.bind(node_text(left), right, st, 0)
        elif n.type == "call_expression" and (spec := x.spec(n)) is not None:
            for op, specs in (("acquire", spec.acquires), ("release", spec.releases)):
                for ls in specs:
                    if (k := x.lock_key(ls, args_of(n), st)) is not None:
                        first.setdefault(k, op)
                        last[k] = op
                        ops[op].add(k)
        if n.type == "call_expression" and callees is not None \
                and (callee := callee_name(n)) is not None \
                and not ((spec := x.spec(n)) is not None and spec.releases):
            args = args_of(n)  # a helper of this file that drops its caller's lock
            for rel in callees(callee):
                if rel.arg < len(args) and not rel.taken:  # (taken: unknown after it)
                    k = (rel.kind, "") if rel.arg < 0 else \
                        (rel.kind, strip_addr(x.canon(args[rel.arg], st)) + rel.suffix)
                    first.setdefault(k, "release")
                    last[k] = "release"
                    ops["release"].add(k)
    inferred = {k for k, op in first.items() if op == "release"}

    def noted(kind: str) -> set[LockKey]:
        out: set[LockKey] = set()
        for subject, key in notes[kind]:
            out |= {k for k in first if _matches(k, subject, x)}
            if key is not None:
                out.add(key)
        return out

    plist = params(node)
    annotated = noted("__releases") | noted("__must_hold")
    # A function the table says needs a lock is assumed to get it from its caller.
    own = api.get(name)
    for ls in own.requires if own is not None else ():
        pname = plist[ls.arg][0] if ls.arg is not None and ls.arg < len(plist) else None
        annotated.add(x.required_key(ls.kind, pname) if pname else (_kind_of(ls), WILDCARD))
    # What it leaves released for its caller: dropped first and last (a
    # function that drops and retakes a lock hands it back held).
    drops = {k for k in inferred if last.get(k) == "release"}
    always = (noted("__releases") | _unconditional_releases(body, x, st)) & drops
    drops |= noted("__releases") - noted("__acquires")
    return Static(ops["acquire"], ops["release"], inferred, annotated, drops,
                  always | (noted("__releases") - noted("__acquires")),
                  {k for k, op in last.items() if op == "acquire"}, plist)


def _unconditional_releases(body: Node, x: Exprs, st: State) -> set[LockKey]:
    """Locks released by a statement of the body's top level (not under a
    condition or a loop): every path through the function releases them."""
    out: set[LockKey] = set()
    for stmt in body.named_children:
        # anything later naming the lock (downgrade_write(), a helper) may retake it
        out = {k for k in out if k[1].split("->")[-1] not in node_text(stmt)}
        call = stmt.named_children[0] if stmt.type == "expression_statement" \
            and stmt.named_children else None
        if call is None or call.type != "call_expression" or (spec := x.spec(call)) is None:
            continue
        for ls in spec.releases:
            if (k := x.lock_key(ls, args_of(call), st)) is not None:
                out.add(k)
    return out


def _summary(name: str, node: Node, api: KernelApi, callees: Summary) -> list[Release]:
    """Locks a function releases for its caller, relative to its parameters:
    `f(struct ail *ailp) { ...; spin_unlock(&ailp->lock); }` -> arg 0, spin, "->lock"."""
    body = node.child_by_field_name("body")
    if body is None:
        return []
    x = Exprs(api)
    info = static(name, node, body, api, x, read_annotations(node, body, x), callees)
    out: list[Release] = []
    for kind, subj in info.releases | info.keeps:
        kept = (kind, subj) in info.keeps
        always = (kind, subj) in info.always and not kept
        if not subj:  # rcu_read_unlock(): the caller's RCU read lock
            out.append(Release(-1, kind, "", always, kept))
        for i, (pname, _t) in enumerate(info.params):
            if pname and root_of(subj) == pname and subj.startswith(pname):
                out.append(Release(i, kind, subj[len(pname):], always, kept))
    return out


def _kind_of(ls: LockSpec) -> str:
    return "inode" if ls.kind in ("parent_inode", "inode") else ls.kind


def function_context(name: str, node: Node, body: Node, api: KernelApi,
                     callees: Summary) -> tuple[FnContext, State]:
    """The facts a function's walk starts from: what it holds on entry (its
    annotations, the table, locks it releases before taking), its name's
    promises, and the VFS's lock around an inode operation."""
    x = Exprs(api)
    ctx = FnContext(name)
    notes = read_annotations(node, body, x)
    ctx.returns_locked = bool(notes["__acquires"]) or name_returns_locked(name)
    ctx.assumes_locked = name.endswith("_locked")
    info = static(name, node, body, api, x, notes, callees)
    ctx.acquired_keys, ctx.released_keys = info.acquired, info.released
    ctx.entry_keys = info.inferred | info.annotated
    ctx.inferred_keys = info.inferred - info.annotated
    init = State()
    for key in sorted(ctx.entry_keys):
        # Only a documented hold makes the function atomic from the start.
        atomic = api.atomic(key[0]) and key in info.annotated
        init.add_lock(Held(key, 0, False, atomic, "the caller"))
    # VFS inode operations get (dir, dentry) with dir's inode lock held: a
    # dentry of unknown origin there counts as having its parent locked.
    dirs = [n for n, t in info.params if n and t.startswith("struct inode *")]
    ctx.params = {n for n, _ in info.params if n}
    ctx.dentry_params = {n for n, t in info.params if n and t.startswith("struct dentry *")}
    ctx.var_types = {**local_types(body), **{n: t for n, t in info.params if n}}
    ctx.const_dentries = {n for n, t in info.params
                          if n and t.startswith("const struct dentry *")}
    if dirs and ctx.dentry_params:
        init.add_lock(Held(("inode", "?" + dirs[0]), 0, True, False, "the VFS (inode op)"))
    return ctx, init
