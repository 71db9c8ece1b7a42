"""RACE020: an exit the patch turns away from the label that releases a lock
(`goto out_unlock` replaced by `return err`), while an exit just above it
still leaves through that label.

The label releases a lock by kernel naming (a word `unlock` in it:
`out_unlock`, `err_unlock`) or because the statements right after it, as
shown, release one.  The exit above proves the lock is held there; with
nothing between the two that takes or drops a lock (no call naming a lock,
no line the code seen does not show), it is still held at the new exit,
which now leaves without releasing it."""

from __future__ import annotations

from collections.abc import Collection

from tree_sitter import Node

from reviewer.checks.race.exprs import Exprs, callee_name, may_move_lock
from reviewer.checks.race.hits import Hit
from reviewer.checks.race.removed import NEAR, statements
from reviewer.cparse import descendants, exit_statements, node_text

__all__ = ["skipped_unlocks"]

_RELEASE_REACH = 3  # statements after a label that count as its exit code


def skipped_unlocks(x: Exprs, body: Node, removed: list[str], anchor: int,
                    unseen: Collection[int]) -> list[Hit]:
    """RACE020 for the removed lines `removed` that stood after line `anchor`."""
    labels = {_label(g) for stmt in statements(removed)
              for g in descendants(stmt, ("goto_statement",))}
    labels = {lb for lb in labels if lb and _releases(x, body, lb)}
    if not labels:
        return []
    out: list[Hit] = []
    for exit_ in exit_statements(body):
        line = exit_.start_point.row + 1
        if not anchor < line <= anchor + NEAR or _label(exit_) in labels:
            continue
        for lb in sorted(labels):
            if (above := _last_jump(body, lb, line)) is not None \
                    and _nothing_between(x, body, above, line, unseen):
                what = "returns" if exit_.type == "return_statement" else \
                    f"jumps to `{_label(exit_)}`"
                out.append(Hit("RACE020", line, lb,
                               f"`{node_text(exit_)}` replaces `goto {lb}`: the exit at line "
                               f"{above} still leaves through `{lb}`, which releases a lock, "
                               f"and nothing between takes or drops one, so this path "
                               f"{what} with that lock still held", (above,)))
                break
    return out


def _label(node: Node) -> str:
    lb = node.child_by_field_name("label")
    return node_text(lb) if lb is not None else ""


def _releases(x: Exprs, body: Node, label: str) -> bool:
    """Does `label` release a lock: by its name, or by what follows it?"""
    if "unlock" in label.lower().split("_"):
        return True
    for node in descendants(body, ("labeled_statement",)):
        if _label(node) != label:
            continue
        stmts: list[Node] = [c for c in node.named_children if c.type != "statement_identifier"]
        sib = node.next_named_sibling
        while sib is not None and len(stmts) < _RELEASE_REACH:
            stmts.append(sib)
            sib = sib.next_named_sibling
        return any((spec := x.spec(call)) is not None and spec.releases
                   for s in stmts for call in descendants(s, ("call_expression",)))
    return False


def _last_jump(body: Node, label: str, before: int) -> int | None:
    """The line of the last `goto label` above line `before`."""
    lines = [g.start_point.row + 1 for g in descendants(body, ("goto_statement",))
             if _label(g) == label and g.start_point.row + 1 < before]
    return max(lines) if lines else None


def _nothing_between(x: Exprs, body: Node, start: int, end: int,
                     unseen: Collection[int]) -> bool:
    """No unseen line and no call that may take or drop a lock (the table's,
    or one whose name says it may) strictly between lines `start` and `end`."""
    if any(start < n < end for n in unseen):
        return False
    for call in descendants(body, ("call_expression",)):
        if not start < call.start_point.row + 1 < end:
            continue
        spec = x.spec(call)
        if (spec is not None and (spec.acquires or spec.releases)) \
                or may_move_lock(callee_name(call)):
            return False
    return True
