"""RACE009: the inode of a dentry's parent used where nothing keeps it;
RACE013: the parent's d_lock taken under the child's; RACE018: a reference
taken on `d->d_parent` read where nothing keeps it (dget_parent() does).

`d_inode(d->d_parent)` is only stable while something pins the parent: a
reference taken with dget_parent(), or the parent's inode lock (the VFS
holds it around inode operations).  Without one, a rename can move `d` and
the old parent can be killed, and in RCU-walk an unreferenced `d` may be on
its way out: the value read may be NULL.  Code that reads it unpinned must
read it once (READ_ONCE, d_inode_rcu) and check it [fact 7, fact 10]."""

from __future__ import annotations

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi
from reviewer.checks.race.exprs import Exprs, args_of, callee_name, compact, unwrap
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.state import LockKey, State, root_of
from reviewer.cparse import node_text

__all__ = ["ParentChecks", "nonnull"]

_NULLS = frozenset({"NULL", "0"})
_NULL_TESTS = frozenset({"IS_ERR_OR_NULL"})


def nonnull(x: Exprs, node: Node, want: bool, st: State) -> set[str]:
    """Names (variables, normalised expressions) a condition proves non-NULL
    when it evaluates to `want`."""
    node = unwrap(node)
    t = node.type
    if t == "unary_expression" and node_text(node.children[0]) == "!":
        arg = node.child_by_field_name("argument")
        return nonnull(x, arg, not want, st) if arg is not None else set()
    if t == "binary_expression":
        op = node_text(node.child_by_field_name("operator") or node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return set()
        if (op == "&&" and want) or (op == "||" and not want):
            return nonnull(x, left, want, st) | nonnull(x, right, want, st)
        if op in ("==", "!="):
            other = left if node_text(unwrap(right)) in _NULLS else \
                right if node_text(unwrap(left)) in _NULLS else None
            if other is not None:
                return nonnull(x, other, want != (op == "=="), st)
        return set()
    if t == "call_expression":
        args = args_of(node)
        spec = x.spec(node)
        if callee_name(node) in _NULL_TESTS and args and not want:
            return _names(x, args[0], st)
        if spec is not None and spec.transparent is not None and spec.transparent < len(args):
            return nonnull(x, args[spec.transparent], want, st)
    if t == "assignment_expression" and want:
        left = node.child_by_field_name("left")
        return _names(x, left, st) if left is not None else set()
    if t in ("identifier", "field_expression", "call_expression") and want:
        return _names(x, node, st)
    return set()


def _names(x: Exprs, node: Node, st: State) -> set[str]:
    node = unwrap(node)
    out = {x.canon(node, st)}
    if node.type == "identifier":
        out.add(node_text(node))
    return out


class ParentChecks:
    api: KernelApi
    ctx: FnContext
    x: Exprs

    def parent_of_inode(self, value: str) -> str | None:
        """"d->d_parent->d_inode" -> "d"."""
        for field in self.api.inode_fields:
            tail = f"->{self.api.parent_field}->{field}"
            if value.endswith(tail) and len(value) > len(tail):
                return value[: -len(tail)]
        return None

    def pinned(self, node: Node, st: State) -> bool:
        """Is the parent reached through a reference we own on it (not on a
        child whose d_parent we follow)?"""
        via = self.x.canon(node, st, ref=True)
        return self.parent_of_inode(via) is None and root_of(via) in st.owned

    def exposed(self, child: str, node: Node, st: State) -> bool:
        """Is `child` a dentry whose parent nothing of the caller's keeps?
        One we hold our own reference on (looked up, found by alias), or one
        seen in RCU-walk or under rcu_read_lock(), or a `const struct dentry *`
        callback argument (`->d_compare`, `->d_hash` run in RCU-walk).  A
        dentry the caller hands over (or one held in its structures) usually
        comes with its parent stable: the VFS locks it for inode operations,
        unless the code the patch replaces read that inode once (lockless),
        or held the child's d_lock around this very line (which the new
        code no longer does)."""
        root = root_of(self.x.canon(node, st, ref=True))
        line = node.start_point.row + 1
        return root in st.owned or st.rcu_walk or st.held(("rcu", "")) is not None \
            or root_of(child) in self.ctx.const_dentries \
            or f"{child}->{self.api.parent_field}->{self.api.inode_fields[0]}" \
            in self.ctx.read_once \
            or any(after < line <= upto and key == ("d_lock", child)
                   and st.held(key) is None for after, upto, key in self.ctx.unlocked)

    def bind_parent_inode(self, var: str, value: Node, st: State, line: int) -> None:
        """`dir = d_inode(d->d_parent)`: remember dir may be NULL, unpinned."""
        child = self.parent_of_inode(self.x.canon(value, st))
        if child is not None and not self.pinned(value, st) and self.exposed(child, value, st):
            st.maybe_null[var] = (child, line)

    def use_parent_inode(self, node: Node, st: State, line: int) -> None:
        node = unwrap(node)
        if node.type == "identifier":
            child = st.maybe_null.get(node_text(node), (None, 0))[0]
        else:
            child = self.parent_of_inode(self.x.canon(node, st))
            if child is not None and (self.pinned(node, st)
                                      or not self.exposed(child, node, st)):
                child = None
        if child is None or self._kept_positive(node, child, st):
            return
        st.nonnull = st.nonnull | _names(self.x, node, st)  # reported once a path
        self.ctx.hit(Hit("RACE009", line, child,
                         f"{compact(node)} is used unchecked, but {child}'s parent is not "
                         "pinned here (no dget_parent() reference, no inode lock on it): a "
                         "rename or the parent's death can make it NULL; read it once "
                         "(d_inode_rcu, READ_ONCE) and check it, or take dget_parent()"))

    def _kept_positive(self, node: Node, child: str, st: State) -> bool:
        """Is the value checked for NULL on this path, or is the parent's
        inode lock held (by this code or by the VFS around an inode op)?"""
        names = _names(self.x, node, st)
        if names & st.nonnull or self._guarded(node, names, st):
            return True
        value = f"{child}->{self.api.parent_field}->{self.api.inode_fields[0]}"
        if st.held(("inode", value)) is not None or ("inode", value) in st.murky:
            return True
        return child in self.ctx.dentry_params and any(h.key[1].startswith("?")
                                                       for h in st.locks)

    def _guarded(self, node: Node, names: set[str], st: State) -> bool:
        """`!inode || f(inode)`, `inode && f(inode)`, `inode ? f(inode) : 0`."""
        cur = node
        while cur.parent is not None and not cur.parent.type.endswith("statement"):
            par = cur.parent
            if par.type == "binary_expression" and cur == par.child_by_field_name("right"):
                op = node_text(par.child_by_field_name("operator") or par)
                left = par.child_by_field_name("left")
                if left is not None and op in ("&&", "||") \
                        and names & nonnull(self.x, left, op == "&&", st):
                    return True
            elif par.type == "conditional_expression":
                cond = par.child_by_field_name("condition")
                for arm, want in (("consequence", True), ("alternative", False)):
                    if cond is not None and cur == par.child_by_field_name(arm) \
                            and names & nonnull(self.x, cond, want, st):
                        return True
            cur = par
        return False

    def dget_unpinned_parent(self, arg: Node, name: str, st: State, line: int) -> None:
        """RACE018: `dget(d->d_parent)` where a rename can move `d` and free
        its old parent between the read and the reference."""
        tail = f"->{self.api.parent_field}"
        value = self.x.canon(arg, st)
        child = value[: -len(tail)] if value.endswith(tail) else None
        if child is None or not self.exposed(child, arg, st):
            return
        inode_lock = ("inode", f"{value}->{self.api.inode_fields[0]}")
        if any(k in st.murky or st.held(k) is not None for k in (("d_lock", child), inode_lock)):
            return
        self.ctx.hit(Hit("RACE018", line, child,
                         f"{name}({compact(arg)}) takes a reference on {child}'s parent read "
                         f"with nothing keeping it: a rename can move {child} and its old "
                         "parent can be freed in between; use dget_parent()"))

    def parent_after_child(self, key: LockKey, st: State, line: int, text: str) -> None:
        """RACE013: a dentry's parent's d_lock taken (dget() takes it too)
        while the child's is held: the order is parent before child."""
        if key[0] != "d_lock":
            return
        for h in st.locks:
            child = h.key[1]
            if h.line == 0 and h.key in self.ctx.inferred_keys:
                continue  # a hold we only guess from an unlock without a lock
            if h.key[0] == "d_lock" and (key[1] == f"{child}->{self.api.parent_field}"
                                        or st.parents.get(child) == key[1]):
                self.ctx.hit(Hit("RACE013", line, key[1],
                                 f"{text} takes {key[1]}->d_lock (the parent's) while "
                                 f"{child}->d_lock (the child's, line {h.line}) is held: "
                                 "the order is parent before child; use dget_parent() "
                                 "before locking the child", (h.line,) if h.line else ()))
                return
