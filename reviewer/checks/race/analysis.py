"""The race analysis' entry point: C files in, RACE00x hits out.

Pure: no git, no config, no mail.  Each function overlapping the changed
lines is walked path by path (see walker.py) with the locks held and what is
known about each dentry; the rules fire in events.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi, LockSpec, default_api
from reviewer.checks.race.events import Events, FnContext
from reviewer.checks.race.exprs import Exprs, args_of, callee_name, strip_addr
from reviewer.checks.race.state import WILDCARD, Held, LockKey, State, root_of
from reviewer.checks.race.walker import Walker
from reviewer.cparse import function_nodes, node_text, params, parse

__all__ = ["CODES", "RaceHit", "SourceFile", "analyze"]

CODES = tuple(f"RACE00{i}" for i in range(1, 9))
_ANNOTATIONS = ("__releases", "__must_hold", "__acquires")


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    changed_lines: frozenset[int]  # post-image lines the revision adds or changes
    origin: str  # "tree" (from the applied tree) or "hunks" (rebuilt from the diff)
    known_lines: frozenset[int] | None = None  # hunks: lines really present (line map keys)


@dataclass(frozen=True)
class RaceHit:
    code: str
    path: str
    line: int
    function: str
    message: str
    subject: str
    origin: str


def analyze(files: Iterable[SourceFile], api: KernelApi | None = None,
            all_lines: bool = False) -> list[RaceHit]:
    api = api or default_api()
    out: list[RaceHit] = []
    for f in files:
        out.extend(_analyze_file(f, api, all_lines))
    return sorted(out, key=lambda h: (h.path, h.line, h.code, h.subject))


def _analyze_file(src: SourceFile, api: KernelApi, all_lines: bool) -> list[RaceHit]:
    tree = parse(src.text)
    changed = src.changed_lines
    hits: list[RaceHit] = []
    fns = function_nodes(tree)
    summaries = _Summaries({f.name: n for f, n in fns}, api)
    for fn, node in fns:
        touched = any(fn.start_line <= n <= fn.end_line for n in changed)
        if not touched and (changed or not all_lines):
            continue  # --all widens the lines reported, not the functions read
        body = node.child_by_field_name("body")
        if body is None:
            continue
        ctx, init = _context(fn.name, node, body, api, summaries.get)
        ctx.callee_releases = summaries.get
        ctx.complete = src.origin == "tree" or (
            src.known_lines is not None
            and all(n in src.known_lines for n in range(fn.start_line, fn.end_line + 1)))
        found = Walker(Events(api, ctx), body, fn.end_line).run(init)
        for h in found.values():
            if all_lines or h.line in changed or any(r in changed for r in h.related):
                hits.append(RaceHit(h.code, src.path, h.line, fn.name, h.message, h.subject,
                                    src.origin))
    return hits


class _Summaries:
    """Lazily computed `_summary` of the file's functions, by name."""

    def __init__(self, nodes: dict[str, Node], api: KernelApi) -> None:
        self.nodes, self.api = nodes, api
        self.done: dict[str, list[tuple[int, str, str]]] = {}

    def get(self, name: str) -> list[tuple[int, str, str]]:
        if name not in self.done:
            self.done[name] = []  # recursion ends here
            node = self.nodes.get(name)
            if node is not None:
                self.done[name] = _summary(name, node, self.api, self.get)
        return self.done[name]


def _name_returns_locked(name: str) -> bool:
    """`lock_parent`, `ovl_inode_lock`, `get_io_locks`: helpers meant to
    return holding a lock."""
    return any(tok.endswith(("lock", "locks")) and not tok.startswith("unlock")
               for tok in name.lower().split("_"))


def _annotations(node: Node, body: Node, x: Exprs) -> dict[str, list[tuple[str, LockKey | None]]]:
    """Sparse annotations between the declarator and the body: for each, the
    locked expression ("tree->lock", "" for RCU) and its key when it says."""
    out: dict[str, list[tuple[str, LockKey | None]]] = {a: [] for a in _ANNOTATIONS}
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
    stmt = next((n for n in _descend(tree.root_node) if n.type == "expression_statement"), None)
    if stmt is None or not stmt.named_children:
        return " ".join(text.split()), None
    expr = stmt.named_children[0]
    return strip_addr(x.canon(expr, st)), x.lock_key(LockSpec("any", 0), [expr], st)


def _matches(key: LockKey, subject: str, x: Exprs) -> bool:
    return key[1] in (subject, x.dentry_of_lock(subject), x.inode_of_lock(subject))


def _descend(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(reversed(cur.children))


@dataclass
class _Static:
    """What a function's body does with locks, read once in source order."""

    acquired: set[LockKey]
    released: set[LockKey]
    inferred: set[LockKey]  # dropped before ever taken: the caller holds them
    annotated: set[LockKey]  # __releases / __must_hold / the table's requires
    releases: set[LockKey]  # inferred + __releases: what it drops for its caller
    params: list[tuple[str | None, str]]


Summary = Callable[[str], list[tuple[int, str, str]]]


def _static(name: str, node: Node, body: Node, api: KernelApi, x: Exprs,
            notes: dict[str, list[tuple[str, LockKey | None]]],
            callees: Summary | None = None) -> _Static:
    events = Events(api, FnContext(name))
    st = State()
    first: dict[LockKey, str] = {}
    last: dict[LockKey, str] = {}
    ops: dict[str, set[LockKey]] = {"acquire": set(), "release": set()}
    for n in _descend(body):
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
            for idx, kind, rest in callees(callee):
                if idx < len(args):
                    k = (kind, strip_addr(x.canon(args[idx], st)) + rest)
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
    drops |= noted("__releases") - noted("__acquires")
    return _Static(ops["acquire"], ops["release"], inferred, annotated, drops, plist)


def _summary(name: str, node: Node, api: KernelApi,
             callees: Summary) -> list[tuple[int, str, str]]:
    """Locks a function releases for its caller, relative to its parameters:
    `f(struct ail *ailp) { ...; spin_unlock(&ailp->lock); }` -> (0, "spin", "->lock")."""
    body = node.child_by_field_name("body")
    if body is None:
        return []
    x = Exprs(api)
    info = _static(name, node, body, api, x, _annotations(node, body, x), callees)
    out: list[tuple[int, str, str]] = []
    for kind, subj in info.releases:
        for i, (pname, _t) in enumerate(info.params):
            if pname and root_of(subj) == pname and subj.startswith(pname):
                out.append((i, kind, subj[len(pname):]))
    return out


def _context(name: str, node: Node, body: Node, api: KernelApi,
             callees: Summary) -> tuple[FnContext, State]:
    x = Exprs(api)
    ctx = FnContext(name)
    notes = _annotations(node, body, x)
    ctx.returns_locked = bool(notes["__acquires"]) or _name_returns_locked(name)
    ctx.assumes_locked = name.endswith("_locked")
    info = _static(name, node, body, api, x, notes, callees)
    ctx.acquired_keys, ctx.released_keys = info.acquired, info.released
    ctx.entry_keys = info.inferred | info.annotated
    ctx.inferred_keys = info.inferred - info.annotated
    init = State()
    for key in sorted(ctx.entry_keys):
        # Only a documented hold makes the function atomic from the start.
        atomic = api.atomic(key[0]) and key in info.annotated
        init.add_lock(Held(key, 0, False, atomic, "held on entry"))
    # VFS inode operations get (dir, dentry) with dir's inode lock held: a
    # dentry of unknown origin there counts as having its parent locked.
    dirs = [n for n, t in info.params if n and t.startswith("struct inode *")]
    ctx.dentry_params = {n for n, t in info.params if n and t.startswith("struct dentry *")}
    if dirs and ctx.dentry_params:
        init.add_lock(Held(("inode", "?" + dirs[0]), 0, True, False, "the VFS (inode op)"))
    return ctx, init


def _kind_of(ls: LockSpec) -> str:
    return "inode" if ls.kind in ("parent_inode", "inode") else ls.kind
