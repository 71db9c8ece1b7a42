"""RACE019: a decision rewritten so that it no longer leaves in a case the
code it replaces left in, a case defined by a dentry's changeable state.

Both versions are read as exits (`goto LABEL`, `return`) under conditions:
each condition in disjunctive normal form over its leaves (`flags &
RENAME_EXCHANGE`, `d_is_negative(new)`), then every assignment of the
leaves is tried.  An assignment under which the old code took an exit and
the new code takes none (of those under a condition) is a lost case; when every reason the old
code had to leave in the lost cases includes a state test of the API table
(`d_is_negative()`, `d_unhashed()` ...) that the new code still makes, at
one value, the new code now runs on with the object in that state.  Only fragments made of `if`,
blocks, `goto` and `return` are compared: code that assigns or calls
between the tests could change what a later test sees."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from tree_sitter import Node

from reviewer.checks.race.exprs import Exprs
from reviewer.checks.race.hits import Hit
from reviewer.checks.race.removed import NEAR, statements
from reviewer.checks.race.state import State
from reviewer.cparse import descendants, node_text

__all__ = ["lost_bailouts", "rewritten"]

_MAX_ATOMS = 10  # 1024 assignments
_MAX_TERMS = 32  # conjunctions in one condition's normal form

Atom = tuple[str, bool]  # (leaf text, value)
Conj = frozenset[Atom]
Exits = dict[str, list[Conj]]  # exit ("goto out", "return -EINVAL") -> when it is taken


def lost_bailouts(x: Exprs, removed: list[str], anchor: int, new: Sequence[Node]) -> list[Hit]:
    """RACE019 on `new`, the statements written where `removed` stood."""
    old_exits = _conditional(_exits(list(statements(removed))))
    new_exits = _conditional(_exits(list(new)))
    if not old_exits or not new_exits:
        return []
    leaving = [c for conjs in new_exits.values() for c in conjs]
    leaves = _leaves(list(statements(removed)) + list(new))
    if len(leaves) > _MAX_ATOMS:
        return []
    lost: list[dict[str, bool]] = []
    targets: set[str] = set()
    why: set[Atom] | None = None  # the leaves every old reason to leave in a lost case has
    for values in product((False, True), repeat=len(leaves)):
        env = dict(zip(leaves, values, strict=True))
        for exit_, conjs in old_exits.items():
            taken = [c for c in conjs if _holds(c, env)]
            if not taken or any(_holds(c, env) for c in leaving):
                continue
            lost.append(env)
            targets.add(exit_)
            for c in taken:
                why = set(c) if why is None else why & c
    if not lost or not why:
        return []
    kept = _leaves(list(new))
    fixed = {a: v for a, v in lost[0].items() if all(env[a] == v for env in lost)}
    st = State()
    for text, value in sorted(why):
        tests = x.state_tests(leaves[text], st) if text in kept else set()
        if not tests:
            continue  # a test the new code dropped altogether is RACE017's
        subj = sorted(tests)[0][1]
        when = " and ".join(a if v else f"!({a})" for a, v in sorted(fixed.items()))
        return [Hit("RACE019", new[0].start_point.row + 1, subj,
                    f"the code this replaces left ({', '.join(sorted(targets))}) when {when}; "
                    f"the rewritten decision still tests {text} but no longer leaves in that "
                    f"case, so what follows runs with it {'true' if value else 'false'}",
                    (anchor + 1,))]
    return []


def rewritten(body: Node, anchor: int) -> list[Node]:
    """The statements written where removed lines stood (after line
    `anchor`): the first one starting within NEAR lines, with the siblings
    that follow it line after line (a blank line ends a decision)."""
    for node in descendants(body):
        if node.type.endswith("_statement") and node.type != "compound_statement" \
                and anchor < node.start_point.row + 1 <= anchor + NEAR:
            out = [node]
            sib = node.next_named_sibling
            while sib is not None and sib.start_point.row == out[-1].end_point.row + 1:
                out.append(sib)
                sib = sib.next_named_sibling
            return out
    return []


def _conditional(exits: Exits) -> Exits:
    """The exits taken under a condition: a decision's, not the function's
    own end (`return 0;` after it); any of them leaves (another error code,
    another label: still leaving)."""
    out = {e: [c for c in conjs if c] for e, conjs in exits.items()}
    return {e: conjs for e, conjs in out.items() if conjs}


def _exits(stmts: list[Node]) -> Exits:
    """When each exit is taken, or {} when the fragment is not only tests
    and jumps."""
    out: Exits = {}
    return out if _walk(stmts, frozenset(), out) else {}


def _walk(stmts: list[Node], path: Conj, out: Exits) -> bool:
    for stmt in stmts:
        if stmt.type == "comment":
            continue
        if stmt.type == "compound_statement":
            if not _walk(list(stmt.named_children), path, out):
                return False
        elif stmt.type == "goto_statement":
            label = stmt.child_by_field_name("label")
            out.setdefault(f"goto {node_text(label) if label else '?'}", []).append(path)
        elif stmt.type == "return_statement":
            out.setdefault(" ".join(node_text(stmt).rstrip(";").split()), []).append(path)
        elif stmt.type == "if_statement":
            if not _if(stmt, path, out):
                return False
        else:
            return False
    return True


def _if(stmt: Node, path: Conj, out: Exits) -> bool:
    cond = stmt.child_by_field_name("condition")
    then = stmt.child_by_field_name("consequence")
    alt = stmt.child_by_field_name("alternative")
    if cond is None or then is None:
        return False
    yes, no = _dnf(cond, True), _dnf(cond, False)
    if yes is None or no is None:
        return False
    for conj in yes:
        if not _walk([then], path | conj, out):
            return False
    if alt is not None:
        for conj in no:
            if not _walk([c for c in alt.named_children], path | conj, out):
                return False
    return True


def _dnf(node: Node, positive: bool) -> list[Conj] | None:
    """`node` (or its negation) as a disjunction of conjunctions of leaves."""
    if node.type in ("parenthesized_expression", "condition_clause"):
        inner = [c for c in node.named_children if c.type != "comment"]
        return _dnf(inner[0], positive) if len(inner) == 1 else None
    if node.type == "unary_expression" and node_text(node).startswith("!"):
        arg = node.child_by_field_name("argument")
        return _dnf(arg, not positive) if arg is not None else None
    op = node.child_by_field_name("operator") if node.type == "binary_expression" else None
    if op is not None and node_text(op) in ("&&", "||"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        a = _dnf(left, positive) if left is not None else None
        b = _dnf(right, positive) if right is not None else None
        if a is None or b is None:
            return None
        conj = (node_text(op) == "&&") == positive
        terms = [x | y for x in a for y in b] if conj else a + b
        return terms if len(terms) <= _MAX_TERMS else None
    return [frozenset({(" ".join(node_text(node).split()), positive)})]


def _leaves(stmts: list[Node]) -> dict[str, Node]:
    """Every leaf test of the fragments' conditions, by its text."""
    out: dict[str, Node] = {}
    stack = list(stmts)
    while stack:
        cur = stack.pop()
        if cur.type == "if_statement" and (cond := cur.child_by_field_name("condition")):
            _collect(cond, out)
        stack.extend(cur.named_children)
    return out


def _collect(node: Node, out: dict[str, Node]) -> None:
    if node.type in ("parenthesized_expression", "condition_clause"):
        for c in node.named_children:
            _collect(c, out)
        return
    if node.type == "unary_expression" and node_text(node).startswith("!"):
        arg = node.child_by_field_name("argument")
        if arg is not None:
            _collect(arg, out)
        return
    op = node.child_by_field_name("operator") if node.type == "binary_expression" else None
    if op is not None and node_text(op) in ("&&", "||"):
        for side in ("left", "right"):
            if (part := node.child_by_field_name(side)) is not None:
                _collect(part, out)
        return
    out.setdefault(" ".join(node_text(node).split()), node)


def _holds(conj: Conj, env: dict[str, bool]) -> bool:
    return all(env.get(a) == v for a, v in conj)
