"""RACE010: a dentry's inode loaded again after its test (or tested again
after its load), in RCU-walk mode or where the replaced code read it once.

Lookup-time callbacks (`->d_revalidate`, `->permission`, `->get_link`) are
called in RCU-walk mode with LOOKUP_RCU / MAY_NOT_BLOCK set: the dentry is
not referenced and its inode can go NULL or change at any moment.  Code on
that path reads `d_inode` once (d_inode_rcu, READ_ONCE) and uses that value;
testing positivity and then loading d_inode() again uses an inode nobody
tested [fact 10]."""

from __future__ import annotations

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi
from reviewer.checks.race.exprs import Exprs, args_of, compact, unwrap
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.state import State
from reviewer.cparse import node_text

__all__ = ["RcuWalkChecks", "loaded_dentry", "rcu_walk_branch"]

_RCU_WALK_FLAGS = frozenset({"LOOKUP_RCU", "MAY_NOT_BLOCK"})


def rcu_walk_branch(node: Node, want: bool) -> bool | None:
    """True when the branch where `node` is `want` runs in RCU-walk mode,
    False when it does not, None when the condition does not say."""
    node = unwrap(node)
    if node.type == "unary_expression" and node_text(node.children[0]) == "!":
        arg = node.child_by_field_name("argument")
        return rcu_walk_branch(arg, not want) if arg is not None else None
    if node.type != "binary_expression":
        return None
    op = node_text(node.child_by_field_name("operator") or node)
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return None
    if op == "&" and {node_text(unwrap(left)), node_text(unwrap(right))} & _RCU_WALK_FLAGS:
        return want
    if (op == "&&" and want) or (op == "||" and not want):
        for side in (left, right):
            if (found := rcu_walk_branch(side, want)) is not None:
                return found
    return None


class RcuWalkChecks:
    api: KernelApi
    ctx: FnContext
    x: Exprs

    def unstable(self, subj: str, st: State) -> bool:
        """Can `subj`'s inode change under this code: in RCU-walk mode, or
        where the code the patch replaces read it once (its author's word)?"""
        return st.rcu_walk or f"{subj}->{self.api.inode_fields[0]}" in self.ctx.read_once

    def inode_load(self, node: Node, dentry: Node, st: State, line: int) -> None:
        """`node` loads `dentry`'s inode plainly (d_inode(), ->d_inode)."""
        subj = self.x.canon(dentry, st)
        if not self.unstable(subj, st) or self._read_once(node):
            return
        tested = any(f.subject == subj and f.kind == "neg" for f in st.facts)
        if not tested and not self._tested_before(node, subj, st):
            return
        self.ctx.hit(Hit("RACE010", line, subj,
                         f"{compact(node)} loads {subj}'s inode again after testing it, in "
                         "RCU-walk mode where nothing pins it: it may be NULL or another "
                         "inode now; read it once (d_inode_rcu) and test that value"))

    def inode_retest(self, call: Node, dentry: Node, st: State, line: int) -> None:
        """`call` tests `dentry`'s positivity after this path loaded its
        inode into a variable, where the replaced code read it once: the
        value tested is not the one kept.  (In RCU-walk code a second test
        is common and harmless when the kept value is not used after it.)"""
        subj = self.x.canon(dentry, st)
        value = f"{subj}->{self.api.inode_fields[0]}"
        kept = sorted(v for v, (canon, _) in st.alias.items() if canon == value and v != subj)
        if kept and value in self.ctx.read_once:
            self.ctx.hit(Hit("RACE010", line, subj,
                             f"{compact(call)} tests {subj}'s inode again after it was loaded "
                             f"into {kept[0]}: it can change in between, so the test may not "
                             f"hold for the value used; test {kept[0]} instead"))

    def _read_once(self, node: Node) -> bool:
        """Inside READ_ONCE() or an accessor that reads the value once."""
        spec = self.x.spec(node) if node.type == "call_expression" else None
        if spec is not None and spec.once:
            return True
        parent = node.parent
        while parent is not None and parent.type in ("parenthesized_expression",
                                                     "cast_expression", "argument_list"):
            parent = parent.parent
        if parent is None or parent.type != "call_expression":
            return False
        outer = self.x.spec(parent)
        return outer is not None and (outer.transparent is not None or outer.once)

    def _tested_before(self, node: Node, subj: str, st: State) -> bool:
        """`d_really_is_positive(d) && f(d_inode(d))`: tested by the same
        condition, to the left of the load."""
        cur = node
        while cur.parent is not None and not cur.parent.type.endswith("statement"):
            par = cur.parent
            if par.type == "binary_expression" and cur == par.child_by_field_name("right") \
                    and node_text(par.child_by_field_name("operator") or par) in ("&&", "||"):
                left = par.child_by_field_name("left")
                if left is not None and any(a.subject == subj
                                            for a in self.x.atoms(left, True, st)):
                    return True
            cur = par
        return False


def loaded_dentry(x: Exprs, node: Node) -> Node | None:
    """The dentry whose inode `node` loads plainly: `d_inode(d)`, `d->d_inode`."""
    if node.type == "call_expression":
        spec, args = x.spec(node), args_of(node)
        if spec is not None and spec.inode_of is not None and spec.inode_of < len(args):
            return args[spec.inode_of]
        return None
    field = node.child_by_field_name("field")
    if node.type == "field_expression" and field is not None \
            and node_text(field) in x.api.inode_fields:
        return node.child_by_field_name("argument")
    return None
