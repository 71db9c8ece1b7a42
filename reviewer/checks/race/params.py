"""Expressions rooted at a function's parameters (`&dir->d_inode->i_rwsem`
is parameter `dir`'s field path), through the locals that stand for them,
and what the function does to its gfp parameter."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tree_sitter import Node, QueryCursor

from reviewer.checks.race.api import FnSpec, KernelApi
from reviewer.checks.race.exprs import args_of, unwrap
from reviewer.cparse import node_text, query

__all__ = ["Env", "Rooted", "gfp_masked", "value_source"]

_ERRORS = frozenset({"ERR_PTR", "ERR_CAST"})


@dataclass(frozen=True, slots=True)
class Rooted:
    """An expression rooted at a parameter: `&dir->d_inode->i_rwsem` ->
    param of `dir`, path "->d_inode->i_rwsem", address True."""

    param: int
    path: str
    address: bool = False


_ASSIGNMENTS = ("(init_declarator) @a (assignment_expression) @a (update_expression) @a "
                "(pointer_expression) @a")


def gfp_masked(body: Node, name: str) -> bool:
    """Whether `body` may take the sleeping bits out of its gfp parameter
    `name`: replaces it (`gfp = GFP_NOWAIT`) or masks it with a flag naming
    reclaim, NOWAIT or ATOMIC (`gfp &= ~__GFP_DIRECT_RECLAIM`), not a mere
    restriction to the allowed bits (`gfp &= gfp_allowed_mask`)."""
    for n in QueryCursor(query(_ASSIGNMENTS)).captures(body).get("a", []):
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        if n.type != "assignment_expression" or left is None or right is None \
                or node_text(left) != name:
            continue
        text = node_text(right)
        op = node_text(n.child_by_field_name("operator") or n)
        if any(w in text for w in ("RECLAIM", "NOWAIT", "ATOMIC")) or (
                op == "=" and name not in text):
            return True
    return False


class Env:
    """Parameters and the locals that stand for a parameter expression."""

    def __init__(self, api: KernelApi, params: dict[str, int]) -> None:
        self.api, self.params = api, params
        self.aliases: dict[str, Rooted] = {}
        self.sources: dict[str, set[str]] = {}  # local -> "call:NAME" / "err" / "other"

    def learn(self, body: Node) -> None:
        """Aliases (`struct inode *dir = d_inode(parent);`, never reassigned)
        and what each local is ever assigned, in one walk of the body."""
        assigned: dict[str, list[Node | None]] = {}
        found = QueryCursor(query(_ASSIGNMENTS)).captures(body)
        for n in sorted((n for nodes in found.values() for n in nodes),
                        key=lambda n: n.start_byte):
            if n.type == "init_declarator":
                d, v = n.child_by_field_name("declarator"), n.child_by_field_name("value")
                while d is not None and d.type not in ("identifier",):
                    d = d.child_by_field_name("declarator")
                if d is not None:
                    assigned.setdefault(node_text(d), []).append(v)
            elif n.type == "assignment_expression":
                left = n.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    op = node_text(n.child_by_field_name("operator") or n)
                    value = n.child_by_field_name("right") if op == "=" else None
                    assigned.setdefault(node_text(left), []).append(value)
            elif n.type in ("update_expression", "pointer_expression"):
                arg = n.child_by_field_name("argument")
                if arg is not None and arg.type == "identifier" and (
                        n.type == "update_expression" or node_text(n).startswith("&")):
                    assigned.setdefault(node_text(arg), []).append(None)
        self.params = {k: v for k, v in self.params.items() if k not in assigned}
        for name, values in assigned.items():
            self.sources[name] = {value_source(v) for v in values}
            if len(values) == 1 and values[0] is not None \
                    and (r := self.root(values[0])) is not None and not r.address:
                self.aliases[name] = r

    def spec(self, call: Node) -> FnSpec | None:
        fn = call.child_by_field_name("function")
        return self.api.get(node_text(fn)) if fn is not None and fn.type == "identifier" \
            else None

    def root(self, node: Node) -> Rooted | None:
        node = unwrap(node)
        t = node.type
        if t == "identifier":
            name = node_text(node)
            if name in self.params:
                return Rooted(self.params[name], "")
            return self.aliases.get(name)
        if t == "field_expression":
            base = node.child_by_field_name("argument")
            fld = node.child_by_field_name("field")
            r = self.root(base) if base is not None else None
            if r is None or fld is None:
                return None
            op = "->" if any(c.type == "->" for c in node.children) else "."
            if r.address and op == ".":
                return None
            return Rooted(r.param, r.path + op + node_text(fld))
        if t == "pointer_expression" and node.children and node.children[0].type == "&":
            arg = node.child_by_field_name("argument")
            r = self.root(arg) if arg is not None else None
            return replace(r, address=True) if r is not None and not r.address else None
        if t == "call_expression":
            spec, args = self.spec(node), args_of(node)
            if spec is not None and spec.inode_of is not None and spec.inode_of < len(args):
                r = self.root(args[spec.inode_of])
                return Rooted(r.param, r.path + "->d_inode") if r and not r.address else None
            if spec is not None and spec.transparent is not None \
                    and spec.transparent < len(args):
                return self.root(args[spec.transparent])
        return None


def value_source(value: Node | None) -> str:
    """What a value is, for returned references: "call:NAME", "err" (NULL,
    an error pointer) or "other"."""
    if value is None:
        return "other"
    v = unwrap(value)
    text = node_text(v)
    if v.type in ("null", "number_literal") or text in ("NULL", "0"):
        return "err"
    if v.type == "call_expression":
        fn = v.child_by_field_name("function")
        name = node_text(fn) if fn is not None and fn.type == "identifier" else ""
        if name in _ERRORS:
            return "err"
        return f"call:{name}" if name else "other"
    return "other"
