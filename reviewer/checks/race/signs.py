"""What a path knows of a returned value: the sign of integer variables
compared with zero (`ret`, `err`), so that `if (ret) unlock(); if (ret < 0)
goto err; if (ret > 0) break;` leaves the path that goes on with ret == 0
only, with the lock still held; and whether a pointer is an error
(`IS_ERR(dentry)`), so that `return dentry` holding a lock on success and
not on error is not a leak."""

from __future__ import annotations

from tree_sitter import Node

from reviewer.checks.race.state import State
from reviewer.cparse import node_text

__all__ = ["narrow", "narrow_err", "sign_of", "sign_truth", "value_class"]

ALL = frozenset({"neg", "zero", "pos"})
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def _holds(sign: str, op: str) -> bool:
    """Does `x OP 0` hold for an x of this sign?"""
    value = {"neg": -1, "zero": 0, "pos": 1}[sign]
    return {"<": value < 0, ">": value > 0, "<=": value <= 0, ">=": value >= 0,
            "==": value == 0, "!=": value != 0}[op]


def _compare(node: Node) -> tuple[str, str] | None:
    """`v OP 0` or `0 OP v` -> (v, OP as seen from v)."""
    if node.type != "binary_expression":
        return None
    op = node_text(node.child_by_field_name("operator") or node)
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if op not in _FLIP or left is None or right is None:
        return None
    if left.type == "identifier" and node_text(right) == "0":
        return node_text(left), op
    if right.type == "identifier" and node_text(left) == "0":
        return node_text(right), _FLIP[op]
    return None


def sign_truth(node: Node, st: State) -> bool | None:
    """The value of `v`, `v OP 0` when v's possible signs decide it."""
    if node.type == "identifier":
        var, op = node_text(node), "!="
    elif (cmp := _compare(node)) is not None:
        var, op = cmp
    else:
        return None
    signs = st.signs.get(var)
    if signs is None:
        return None
    results = {_holds(s, op) for s in signs}
    return results.pop() if len(results) == 1 else None


def narrow(node: Node, want: bool, st: State) -> None:
    """On the branch where `v` / `v OP 0` is `want`, v's sign is known better."""
    if node.type == "identifier":
        var, op = node_text(node), "!="
    elif (cmp := _compare(node)) is not None:
        var, op = cmp
    else:
        return
    st.signs[var] = frozenset(s for s in st.signs.get(var, ALL) if _holds(s, op) == want)


def sign_of(value: Node) -> frozenset[str] | None:
    """Signs an assigned value can have: `0`, `-EINVAL`, `1`; None if unknown."""
    text = node_text(value).strip()
    if value.type == "number_literal":
        return frozenset({"zero"}) if text.rstrip("uUlL") in ("0", "0x0") else \
            frozenset({"pos"})
    if value.type == "unary_expression" and text.startswith("-") and text[1:2].isalnum():
        return frozenset({"neg"})
    return None


_ERR_TESTS = frozenset({"IS_ERR", "IS_ERR_OR_NULL"})


def narrow_err(node: Node, want: bool, st: State) -> None:
    """On the branch where `IS_ERR(p)` is `want`, p is (not) an error."""
    t = node.type
    if t == "parenthesized_expression" and node.named_children:
        narrow_err(node.named_children[0], want, st)
    elif t == "unary_expression" and node_text(node.children[0]) == "!":
        arg = node.child_by_field_name("argument")
        if arg is not None:
            narrow_err(arg, not want, st)
    elif t == "binary_expression":
        op = node_text(node.child_by_field_name("operator") or node)
        if (op == "&&" and want) or (op == "||" and not want):
            for side in ("left", "right"):
                if (part := node.child_by_field_name(side)) is not None:
                    narrow_err(part, want, st)
    elif t == "call_expression":
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or node_text(fn) not in _ERR_TESTS or args is None \
                or len(args.named_children) != 1 or args.named_children[0].type != "identifier":
            return
        var = node_text(args.named_children[0])
        if want:
            st.errs, st.oks = st.errs | {var}, st.oks - {var}
        else:
            st.errs, st.oks = st.errs - {var}, st.oks | {var}


def value_class(value: Node, st: State) -> object:
    """What the path knows of a returned variable: error, not, its signs."""
    if value.type != "identifier":
        return None
    var = node_text(value)
    if var in st.errs:
        return "error"
    if var in st.oks:
        return "ok"
    return st.signs.get(var)
