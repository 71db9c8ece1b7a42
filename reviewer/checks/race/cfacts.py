"""What one C file says about its own functions, read with tree-sitter: the
local half of the tree facts (treefacts.py resolves them across files).

Per function (and per function-like macro, for sleeping only) it records
what can be seen without knowing the callees: `might_sleep()`, the calls it
makes (unless guarded by an atomic-context test), sleeping GFP flags it
passes, a `gfp_t` parameter it forwards, sparse annotations and
`lockdep_assert_held()`, and what holds on *every* path (mustflow.py): locks
left held or released, parameters put, the calls made with a parameter."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from tree_sitter import Node, QueryCursor, Tree

from reviewer.checks.race.api import KernelApi, default_api
from reviewer.checks.race.exprs import args_of
from reviewer.checks.race.mustflow import FlowResult, LocalSpecs, analyse
from reviewer.checks.race.params import Env, Rooted, gfp_masked
from reviewer.cparse import function_name, node_text, params, parse, query, returns_pointer

__all__ = ["GUARD_NAMES", "GUARD_WORDS", "FileFacts", "FnRecord", "extract"]

# A call under a test naming one of these is not proof of sleeping: the
# code checks whether it may sleep first (`if (gfpflags_allow_blocking(gfp))`,
# `if (flags & LOOKUP_RCU)`, `if (!atomic)`).  Parts of identifiers, then
# whole ones.
GUARD_WORDS = ("in_atomic", "preemptible", "irqs_disabled", "in_interrupt", "in_task",
               "in_softirq", "in_irq", "in_nmi", "allow_blocking", "may_sleep", "can_sleep",
               "nowait", "NOWAIT", "nonblock", "NONBLOCK", "NOT_BLOCK", "LOOKUP_RCU",
               "blockable", "GFP_ATOMIC")
GUARD_NAMES = frozenset({"atomic", "blocking", "rcu", "in_rcu", "nonblocking"})
_GUARD_BYTES = re.compile("|".join(sorted(GUARD_WORDS + tuple(GUARD_NAMES), key=len,
                                          reverse=True)).encode())
_ANNOTATIONS = ("__acquires", "__releases", "__must_hold")
_SLEEP_MARKS = frozenset({"might_sleep", "might_sleep_no_state_check", "might_fault"})
_GFP_MARKS = frozenset({"might_alloc", "might_sleep_if"})

_QUERY = """
(function_definition) @fn
(call_expression function: (identifier) @callee arguments: (argument_list) @args) @call
(preproc_function_def name: (identifier) @mname value: (preproc_arg) @mbody) @macro
(assignment_expression left: (identifier) @assigned)
(update_expression argument: (identifier) @assigned)
(pointer_expression operator: "&" argument: (identifier) @assigned)
"""


@dataclass(frozen=True, slots=True)
class FnRecord:
    """One definition's local facts.  Argument positions are 0-based."""

    name: str
    path: str
    static: bool
    macro: bool
    gfp: int | None  # index of its gfp_t parameter
    calls: tuple[str, ...]  # callees outside atomic-context guards
    gfp_calls: tuple[tuple[str, int], ...]  # (callee, arg) given a sleeping GFP flag
    # (callee, arg, param): its gfp_t parameter (a macro: any parameter) passed on
    gfp_fwd: tuple[tuple[str, int, int], ...]
    sleeps: bool  # calls might_sleep() itself
    gfp_sleeps: bool  # might_alloc(gfp) / might_sleep_if(...gfp...)
    flow: FlowResult | None  # what holds on every path (None: not analysable)
    notes: tuple[tuple[str, int, str], ...]  # (annotation, param, path) from sparse/lockdep
    guarded_calls: tuple[str, ...] = ()  # callees only under atomic-context guards
    # (param, callee, arg): a parameter never assigned, passed by a statement
    # of the body's top level (unconditional, unless an earlier return)
    top_calls: tuple[tuple[int, str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class FileFacts:
    records: tuple[FnRecord, ...]
    lock_fields: tuple[tuple[str, str], ...]  # (field, lock kind): `spin_lock(&x->f)`


def extract(path: str, data: bytes, api: KernelApi | None = None) -> FileFacts:
    """Every function and function-like macro defined in one file, and the
    kind of lock each struct field it locks is."""
    api = api or default_api()
    tree = parse(data)
    caps = QueryCursor(query(_QUERY)).captures(tree.root_node)
    fns = sorted(caps.get("fn", []), key=lambda n: n.start_byte)
    guards = _spans(_guards(tree, data))
    per_fn = _by_function(fns, caps, _gfp_flags(tree, data, api))
    assigned = _assigned(fns, caps.get("assigned", []))
    local = LocalSpecs(api)
    out = [r for i, node in enumerate(fns)
           if (r := _function(path, node, per_fn.get(i, []), guards, api, local,
                              assigned.get(i, frozenset()))) is not None]
    out.extend(_macros(path, caps.get("macro", []), api))
    return FileFacts(tuple(out), _lock_fields(caps.get("call", []), api))


@dataclass(frozen=True, slots=True)
class _Call:
    node: Node
    name: str
    sleeping_gfp: tuple[int, ...]  # argument positions given a sleeping GFP flag


def _gfp_flags(tree: Tree, data: bytes, api: KernelApi) -> dict[int, set[int]]:
    """call id -> argument positions given a sleeping GFP flag.  The flags
    are few: found by their bytes, then taken from the syntax tree."""
    flagged: dict[int, set[int]] = {}
    pos = data.find(b"GFP_")
    while pos >= 0:
        node = tree.root_node.descendant_for_byte_range(pos, pos + 4)
        if node is not None and node.type == "identifier" \
                and (node.text or b"").decode() in api.sleeping_gfp \
                and (hit := _arg_of(node)) is not None:
            flagged.setdefault(hit[0].id, set()).add(hit[1])
        pos = data.find(b"GFP_", pos + 4)
    return flagged


def _by_function(fns: list[Node], caps: dict[str, list[Node]],
                 flagged: dict[int, set[int]]) -> dict[int, list[_Call]]:
    """The calls inside each function (by index in `fns`)."""
    starts = [n.start_byte for n in fns]
    out: dict[int, list[_Call]] = {}
    for callee in caps.get("callee", []):
        call = callee.parent
        if call is None:
            continue
        i = bisect_right(starts, call.start_byte) - 1
        if i >= 0 and call.end_byte <= fns[i].end_byte:
            out.setdefault(i, []).append(_Call(call, (callee.text or b"").decode(),
                                               tuple(sorted(flagged.get(call.id, ())))))
    return out


def _assigned(fns: list[Node], idents: list[Node]) -> dict[int, frozenset[str]]:
    """The names each function (by index in `fns`) assigns, increments or
    takes the address of."""
    starts = [n.start_byte for n in fns]
    out: dict[int, set[str]] = {}
    for ident in idents:
        i = bisect_right(starts, ident.start_byte) - 1
        if i >= 0 and ident.end_byte <= fns[i].end_byte:
            out.setdefault(i, set()).add(node_text(ident))
    return {i: frozenset(names) for i, names in out.items()}


def _arg_of(node: Node) -> tuple[Node, int] | None:
    """(call, argument position) of the innermost call argument holding `node`."""
    cur = node
    while cur.parent is not None and cur.parent.type != "argument_list":
        if cur.type in ("compound_statement", "expression_statement", "declaration"):
            return None
        cur = cur.parent
    args = cur.parent
    call = args.parent if args is not None else None
    if args is None or call is None or call.type != "call_expression":
        return None
    pos = [c for c in args.named_children if c.type != "comment"].index(cur)
    return call, pos


def _lock_fields(calls: list[Node], api: KernelApi) -> tuple[tuple[str, str], ...]:
    out: set[tuple[str, str]] = set()
    for call in calls:
        fn = call.child_by_field_name("function")
        spec = api.get(node_text(fn)) if fn is not None else None
        if spec is None or not spec.acquires:
            continue
        args = args_of(call)
        for ls in spec.acquires:
            if ls.arg is None or ls.arg >= len(args) or ls.of_dentry or ls.path:
                continue
            arg = args[ls.arg]
            if arg.type == "pointer_expression":
                arg = arg.child_by_field_name("argument") or arg
            fld = arg.child_by_field_name("field") if arg.type == "field_expression" else None
            if fld is not None:
                out.add((node_text(fld), ls.kind))
    return tuple(sorted(out))


def _guards(tree: Tree, data: bytes) -> list[Node]:
    """`if` statements and `?:` whose condition names a GUARD_WORDS part or
    a GUARD_NAMES identifier (their bytes located in one pass; the syntax
    tree says what each occurrence is)."""
    out: dict[int, Node] = {}
    for m in _GUARD_BYTES.finditer(data):
        node = tree.root_node.descendant_for_byte_range(m.start(), m.end())
        if node is None or node.type != "identifier" or (
                m.group().decode() in GUARD_NAMES and node.text != m.group()):
            continue
        guard = _condition_of(node)
        if guard is not None:
            out[guard.id] = guard
    return list(out.values())


def _condition_of(node: Node) -> Node | None:
    """The if statement or ?: whose condition holds `node`, if any."""
    cur = node
    while cur.parent is not None:
        parent = cur.parent
        if parent.type in ("if_statement", "conditional_expression") \
                and parent.child_by_field_name("condition") == cur:
            return parent
        if parent.type in ("compound_statement", "function_definition", "translation_unit"):
            return None
        cur = parent
    return None


def _spans(nodes: list[Node]) -> list[tuple[int, int]]:
    """The byte spans of `nodes`, nested and overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((n.start_byte, n.end_byte) for n in nodes):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _guarded(node: Node, guards: list[tuple[int, int]]) -> bool:
    i = bisect_right(guards, (node.start_byte, 1 << 62)) - 1
    return i >= 0 and node.start_byte < guards[i][1]


def _is_static(node: Node) -> bool:
    return any(c.type == "storage_class_specifier" and node_text(c) == "static"
               for c in node.children)


def _function(path: str, node: Node, calls: list[_Call], guards: list[tuple[int, int]],
              api: KernelApi, local: LocalSpecs,
              assigned: frozenset[str] = frozenset()) -> FnRecord | None:
    name = function_name(node)
    body = node.child_by_field_name("body")
    if name is None or body is None:
        return None
    plist = params(node)
    names = [p for p, _ in plist]
    gfp = next((i for i, (_, t) in enumerate(plist) if "gfp_t" in t.split()), None)
    # A gfp parameter whose sleeping bits the body may remove is not simply
    # passed on.
    gfp_name = names[gfp] if gfp is not None else None
    rec = _calls(calls, guards, {gfp_name: gfp} if gfp is not None and gfp_name
                 and not gfp_masked(body, gfp_name) else {})
    env = Env(api, {n: i for i, n in enumerate(names) if n})
    flow = None
    returns = "" if not returns_pointer(node) else "dentry" \
        if " ".join(node_text(node.child_by_field_name("type") or node).split()) \
        == "struct dentry" else "pointer"
    if not body.has_error and names and _worth_following(calls, bool(returns), local):
        flow = analyse(body, env, local, returns)
        local.add(name, flow)
    notes = tuple(_notes(node, body, calls, env))
    guarded = tuple(sorted({c.name for c in calls} - set(rec[0]) - _SLEEP_MARKS - _GFP_MARKS))
    top = () if body.has_error else _top_calls(body, calls, names, assigned)
    return FnRecord(name, path, _is_static(node), False, gfp, *rec, flow, notes, guarded, top)


def _top_calls(body: Node, calls: list[_Call], names: list[str | None],
               assigned: frozenset[str]) -> tuple[tuple[int, str, int], ...]:
    """Calls made by the body's top-level statements (not under a test, a
    loop, `&&` or `?:`) with a parameter the body never assigns nor takes
    the address of (`assigned`), as it is: `return lookup_one_len(name,
    dir, len);`."""
    index = {n: i for i, n in enumerate(names) if n and n not in assigned}
    out: set[tuple[int, str, int]] = set()
    for call in calls if index else ():
        args = args_of(call.node)
        hits = [(pos, index[node_text(a)]) for pos, a in enumerate(args)
                if a.type == "identifier" and node_text(a) in index]
        if hits and _unconditional(call.node, body):
            out.update((param, call.name, pos) for pos, param in hits)
    return tuple(sorted(out))


def _unconditional(call: Node, body: Node) -> bool:
    """Is `call` evaluated whenever the body's top-level statement holding
    it is?"""
    cur = call
    while cur.parent is not None and cur.parent != body:
        parent = cur.parent
        if parent.type in ("if_statement", "for_statement", "while_statement",
                           "do_statement", "switch_statement", "case_statement",
                           "compound_statement", "conditional_expression",
                           "sizeof_expression", "statement_expression", "labeled_statement"):
            return False
        if parent.type == "binary_expression" and parent.child_by_field_name("right") == cur \
                and node_text(parent.child_by_field_name("operator") or parent) in ("&&", "||"):
            return False
        cur = parent
    return cur.parent == body and cur.type in ("expression_statement", "return_statement",
                                               "declaration")


def _worth_following(calls: list[_Call], returns_ptr: bool, local: LocalSpecs) -> bool:
    """Whether a path analysis can find anything: the function calls a lock,
    reference or put helper (by the table, this file or its name)."""
    return any(local.interesting(c.name) or "put" in c.name
               or (returns_ptr and "get" in c.name) for c in calls)


def _calls(calls: list[_Call], guards: list[tuple[int, int]],
           forwarded: dict[str, int]) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...],
                                                 tuple[tuple[str, int, int], ...], bool, bool]:
    """(callees, sleeping-GFP calls, forwards of the parameters in
    `forwarded`, calls might_sleep(), tests its gfp for sleeping)."""
    plain: set[str] = set()
    gfp_calls: set[tuple[str, int]] = set()
    fwd: set[tuple[str, int, int]] = set()
    sleeps = gfp_sleeps = False
    for call in calls:
        callee = call.name
        words = [_words(a) for a in args_of(call.node)] if forwarded else []
        if callee in _GFP_MARKS:
            gfp_sleeps |= any(p in w for w in words for p in forwarded)
            continue
        if callee in _SLEEP_MARKS:
            sleeps = True
            continue
        for pos, w in enumerate(words):
            fwd.update((callee, pos, forwarded[p]) for p in w if p in forwarded)
        gfp_calls.update((callee, pos) for pos in call.sleeping_gfp)
        if not _guarded(call.node, guards):
            plain.add(callee)
    return (tuple(sorted(plain)), tuple(sorted(gfp_calls)), tuple(sorted(fwd)), sleeps,
            gfp_sleeps)


def _words(node: Node) -> frozenset[str]:
    """Identifiers in an argument (`GFP_KERNEL | __GFP_ZERO` -> both)."""
    if node.type == "identifier":
        return frozenset({node_text(node)})
    out: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == "identifier":
            out.add(node_text(cur))
        else:
            stack.extend(cur.children)
    return frozenset(out)


def _notes(node: Node, body: Node, calls: list[_Call],
           env: Env) -> list[tuple[str, int, str]]:
    """Sparse annotations on the definition, and `lockdep_assert_held()` at
    the top level of the body (so on every path), on parameter-rooted locks."""
    out: list[tuple[str, int, str]] = []
    head = node.text[: body.start_byte - node.start_byte] if node.text else b""
    stack = [c for c in node.children if c != body] if b"__" in head else []
    while stack:
        cur = stack.pop()
        if cur.type == "call_expression":
            fn = cur.child_by_field_name("function")
            name = node_text(fn) if fn is not None else ""
            arglist = cur.child_by_field_name("arguments")
            if name in _ANNOTATIONS and arglist is not None:
                rooted = _annotation_root(node_text(arglist)[1:-1], env)
                if rooted is not None:
                    out.append((name, rooted.param, rooted.path))
            continue
        stack.extend(cur.children)
    for c in calls:
        spec, call = env.api.get(c.name), c.node
        if spec is None or not spec.asserts or call.parent is None \
                or call.parent.type != "expression_statement" or call.parent.parent != body:
            continue
        args = args_of(call)
        for ls in spec.asserts:
            if ls.arg is not None and ls.arg < len(args) \
                    and (rooted := env.root(args[ls.arg])) is not None:
                out.append(("__must_hold", rooted.param, rooted.path))
    return out


def _annotation_root(text: str, env: Env) -> Rooted | None:
    tree = parse(f"void __a(void) {{ {text}; }}".encode())
    stmt = tree.root_node
    while stmt.named_children and stmt.type != "expression_statement":
        stmt = stmt.named_children[-1]
    if stmt.type != "expression_statement" or not stmt.named_children or stmt.has_error:
        return None
    return env.root(stmt.named_children[0])


def _macros(path: str, nodes: list[Node], api: KernelApi) -> list[FnRecord]:
    """Function-like macros whose body calls something: parsed as functions
    (`#define NAME(a, b) BODY` -> `void NAME(a, b) { BODY; }`) for sleeping
    and gfp facts only (their control flow is not trusted)."""
    heads: list[tuple[str, list[str]]] = []
    chunks: list[bytes] = []
    for node in nodes:
        name_node = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        params_node = node.child_by_field_name("parameters")
        if name_node is None or value is None or b"(" not in (value.text or b"") \
                or (name_node.text or b"").isupper():
            continue  # nothing called, or a CONSTANT_LIKE() helper
        names = [node_text(p) for p in (params_node.named_children if params_node else [])
                 if p.type == "identifier"]
        body = (value.text or b"").replace(b"\\\n", b" ").replace(b"\n", b" ")
        chunks.append(b"void __macro_%d(void) { %s ; }\n" % (len(heads), body))
        heads.append((node_text(name_node), names))
    if not heads:
        return []
    source = b"".join(chunks)
    tree = parse(source)
    caps = QueryCursor(query(_QUERY)).captures(tree.root_node)
    fns = sorted(caps.get("fn", []), key=lambda n: n.start_byte)
    by_index = {int(name[len("__macro_"):]): fn for fn in fns
                if (name := function_name(fn) or "").startswith("__macro_")
                and name[len("__macro_"):].isdigit()}
    guards = _spans(_guards(tree, source))
    per_fn = _by_function(fns, caps, _gfp_flags(tree, source, api))
    index = {fn.id: i for i, fn in enumerate(fns)}
    out: list[FnRecord] = []
    for i, (name, names) in enumerate(heads):
        fn = by_index.get(i)
        if fn is None:
            continue
        rec = _calls(per_fn.get(index[fn.id], []), guards, {n: k for k, n in enumerate(names)})
        out.append(FnRecord(name, path, True, True, None, *rec, None, ()))
    return out
