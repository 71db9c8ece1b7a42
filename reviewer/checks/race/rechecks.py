"""RACE021: the recheck of a double-checked decision removed.

The kept code tests an object and leaves (`if (uptodate(bh)) goto done;`),
then locks it (`lock_buffer(bh);`); the lines the patch removes right after
that lock tested the object again and, releasing the lock, left the same
way.  That is the double-checked pattern: the first test is a cheap guess
made without the lock, the second one decides.  Without it the code goes
on under the lock on the strength of a test another task may have made
stale while this one waited for the lock."""

from __future__ import annotations

from tree_sitter import Node

from reviewer.checks.race.exprs import Exprs, args_of, callee_name, compact, strip_addr
from reviewer.checks.race.hits import Hit
from reviewer.checks.race.removed import statements
from reviewer.checks.race.state import State, root_of
from reviewer.cparse import descendants, exit_statements, node_text

__all__ = ["dropped_rechecks"]


def dropped_rechecks(x: Exprs, body: Node, removed: list[str], anchor: int) -> list[Hit]:
    """RACE021 for the removed lines `removed` that stood after line `anchor`."""
    lock = _statement_ending_at(body, anchor)
    call = _call_of(lock) if lock is not None else None
    if lock is None or call is None or not args_of(call):
        return []
    # the object locked: `bh`, or x for a lock that is x's member (`&x->lock`)
    obj = root_of(strip_addr(compact(args_of(call)[0], 200)))
    first = lock.prev_named_sibling
    while first is not None and first.type == "comment":
        first = first.prev_named_sibling
    # the unlocked test; a hunk may start at its jump, the condition unseen
    if first is None or not (first.type in ("goto_statement", "return_statement")
                             or (first.type == "if_statement" and _mentions(first, obj))):
        return []
    before = {_exit_text(e) for e in exit_statements(first)}
    for stmt in statements(removed):
        if stmt.type != "if_statement" or not _mentions(stmt, obj):
            continue
        same = [e for e in exit_statements(stmt) if _exit_text(e) in before]
        if same and any(_releases(x, call, c) for c in descendants(stmt, ("call_expression",))):
            line = lock.start_point.row + 1
            return [Hit("RACE021", line, obj,
                        f"the patch removes the recheck under {compact(call)}: the code it "
                        f"replaces tested {obj} again once locked and left "
                        f"(`{_exit_text(same[0])}`) as the unlocked test at line "
                        f"{first.start_point.row + 1} does; now that earlier test decides, "
                        "and it may be stale by the time the lock is held",
                        (first.start_point.row + 1,))]
    return []


def _statement_ending_at(body: Node, line: int) -> Node | None:
    for node in descendants(body, ("expression_statement",)):
        if node.end_point.row + 1 == line:
            return node
    return None


def _call_of(stmt: Node) -> Node | None:
    expr = stmt.named_children[0] if stmt.named_children else None
    return expr if expr is not None and expr.type == "call_expression" else None


def _mentions(stmt: Node, obj: str) -> bool:
    """Does the `if`'s condition name `obj`?"""
    cond = stmt.child_by_field_name("condition")
    return cond is not None and any(node_text(n) == obj
                                    for n in descendants(cond, ("identifier",)))


def _exit_text(node: Node) -> str:
    return " ".join(node_text(node).split())


def _releases(x: Exprs, acquire: Node, call: Node) -> bool:
    """Does `call` release what `acquire` took?  By the table, or by the
    kernel's naming (`lock_buffer()` / `unlock_buffer()` on the same object)."""
    a, r = x.spec(acquire), x.spec(call)
    if a is not None and r is not None and a.acquires and r.releases:
        st = State()
        taken = {x.lock_key(ls, args_of(acquire), st) for ls in a.acquires}
        return any(x.lock_key(ls, args_of(call), st) in taken for ls in r.releases)
    name, other = callee_name(acquire) or "", callee_name(call) or ""
    args, others = args_of(acquire), args_of(call)
    return "lock" in name and other == name.replace("lock", "unlock", 1) and bool(others) \
        and compact(args[0], 200) == compact(others[0], 200)
