"""Expressions: normalisation (lock identity, aliasing), lock keys, and what a
branch condition tells about dentries and lock state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from reviewer.checks.race.api import FnSpec, KernelApi, LockSpec
from reviewer.checks.race.signs import narrow, sign_truth
from reviewer.checks.race.state import WILDCARD, Fact, Inst, LockKey, State
from reviewer.cparse import descendants, line_of, node_text

__all__ = ["Atom", "Exprs", "args_of", "callee_name", "compact", "may_move_lock", "strip_addr",
           "unwrap"]

_NULLS = frozenset({"NULL", "0", "false"})
Read = tuple[str, str, int, frozenset[Inst]]  # (subject, "count" | "flags", line, locks)
_KIND_NAMES = {"rcu": "the RCU read lock", "preempt": "preemption disabled",
               "inode": "an inode lock", "d_lock": "a d_lock"}
_WRAPPERS = frozenset({"parenthesized_expression", "cast_expression"})


def compact(node: Node, limit: int = 60) -> str:
    text = " ".join(node_text(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unwrap(node: Node) -> Node:
    """Strip parentheses and casts."""
    while node.type in _WRAPPERS:
        inner = node.child_by_field_name("value") if node.type == "cast_expression" \
            else next((c for c in node.named_children if c.type != "comment"), None)
        if inner is None:
            break
        node = inner
    return node


def args_of(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args else []


def callee_name(call: Node) -> str | None:
    fn = call.child_by_field_name("function")
    return node_text(fn) if fn is not None and fn.type == "identifier" else None


# words of a call's name that may take or drop a lock the table does not
# list (`release_sock()`, `up()`), besides any name containing "lock"
_LOCK_WORDS = frozenset({"release", "acquire", "up", "down", "guard"})


def may_move_lock(name: str | None) -> bool:
    """Does a function's name say it may take or drop a lock?"""
    low = (name or "").lower()
    return "lock" in low or bool(_LOCK_WORDS & set(low.split("_")))


def strip_addr(expr: str) -> str:
    return expr[1:] if expr.startswith("&") else expr


def _suffix(expr: str, fields: tuple[str, ...]) -> str | None:
    """`a->b` for expr `a->b->FIELD` (or `.FIELD`), for any of `fields`."""
    expr = strip_addr(expr)
    for f in fields:
        for sep in ("->", "."):
            if expr.endswith(sep + f) and len(expr) > len(sep + f):
                return expr[: -len(sep + f)]
    return None


def _with_path(arg: str, path: str) -> str:
    """The lock `path` names under the argument: `&x` + "->lock" is `x.lock`."""
    if path.startswith("->") and arg.startswith("&"):
        return f"{arg[1:]}.{path[2:]}"
    return strip_addr(arg) + path


@dataclass(frozen=True)
class Atom:
    """A negativity test found in a condition."""

    subject: str
    negative: bool | None  # what the branch tells: negative / positive / unknown
    line: int
    locks: frozenset[Inst] | None  # lock instances at the read, if not "now"


class Exprs:
    def __init__(self, api: KernelApi) -> None:
        self.api = api
        fields = api.refcount_fields + api.flags_fields
        self._needles = {f.rsplit(".", 1)[-1] for f in fields} | {
            n for n, spec in api.functions.items() if spec.refcount_of is not None}

    def spec(self, call: Node) -> FnSpec | None:
        name = callee_name(call)
        return self.api.get(name) if name else None

    # --- normalisation -------------------------------------------------------------
    def canon(self, node: Node | None, st: State, ref: bool = False) -> str:
        """Normal form of an expression.  `ref` keeps names that hold their own
        reference (`p = dget(d)`) distinct from the object they point to."""
        if node is None:
            return ""
        node = unwrap(node)
        t = node.type
        if t == "identifier":
            name = node_text(node)
            if name in st.alias:
                value, ref_value = st.alias[name]
                return (ref_value or name) if ref else value
            return name
        if t == "field_expression":
            base = node.child_by_field_name("argument")
            field = node.child_by_field_name("field")
            op = "->" if any(c.type == "->" for c in node.children) else "."
            return f"{self.canon(base, st, ref)}{op}{node_text(field) if field else ''}"
        if t == "pointer_expression":
            op = node.children[0].type if node.children else ""
            return op + self.canon(node.child_by_field_name("argument"), st, ref)
        if t == "call_expression":
            spec, args = self.spec(node), args_of(node)
            if spec is not None and args:
                if spec.transparent is not None and spec.transparent < len(args):
                    return self.canon(args[spec.transparent], st, ref)
                if spec.inode_of is not None and spec.inode_of < len(args):
                    return f"{self.canon(args[spec.inode_of], st, ref)}->d_inode"
                if not ref and spec.alias_arg is not None and spec.alias_arg < len(args):
                    return self.canon(args[spec.alias_arg], st)
                if not ref and spec.parent_of_arg is not None \
                        and spec.parent_of_arg < len(args):
                    return f"{self.canon(args[spec.parent_of_arg], st)}->{self.api.parent_field}"
        return compact(node, 200)

    def is_plain(self, node: Node) -> bool:
        """True when the value is an object name, not a computed result."""
        node = unwrap(node)
        if node.type in ("identifier", "field_expression", "pointer_expression"):
            return True
        if node.type == "call_expression":
            spec = self.spec(node)
            return spec is not None and any(
                v is not None for v in (spec.transparent, spec.inode_of, spec.alias_arg,
                                        spec.parent_of_arg))
        return False

    def dentry_of_lock(self, expr: str) -> str | None:
        return _suffix(expr, self.api.d_lock_fields)

    def inode_of_lock(self, expr: str) -> str | None:
        return _suffix(expr, self.api.inode_lock_fields)

    def dentry_of_inode(self, expr: str) -> str:
        """"dir->d_inode" -> "dir" (an inode with no dentry stays as it is)."""
        return _suffix(expr, self.api.inode_fields) or expr

    # --- lock identity ------------------------------------------------------------------
    def lock_key(self, ls: LockSpec, args: list[Node], st: State) -> LockKey | None:
        """`spin_lock(&a->d_lock)` -> ("d_lock", "a"); `inode_lock(d_inode(a))`
        -> ("inode", "a->d_inode"); `mutex_lock(&m)` -> ("mutex", "m")."""
        if ls.arg is None:
            return (ls.kind, "")
        if ls.arg >= len(args):
            return None
        expr = _with_path(self.canon(args[ls.arg], st), ls.path)
        if ls.kind in ("d_lock", "parent_inode"):
            return self.required_key(ls.kind, expr)
        if ls.of_dentry:
            expr += "->d_inode"
        if (d := _suffix(expr, self.api.d_lock_fields)) is not None:
            return ("d_lock", d)
        if (i := _suffix(expr, self.api.inode_lock_fields)) is not None:
            return ("inode", i)
        if ls.kind == "any":
            return None
        if expr.endswith(".lock") and expr[: -len(".lock")].endswith("lockref"):
            expr = expr[: -len(".lock")]  # `&x->lockref.lock` is what lockref helpers take
        return (ls.kind, expr)

    def required_key(self, kind: str, expr: str) -> LockKey:
        expr = strip_addr(expr)
        if kind == "d_lock":
            return ("d_lock", _suffix(expr, self.api.d_lock_fields) or expr)
        if kind == "parent_inode":
            return ("inode", expr + "->d_inode")
        return (kind, expr)

    def describe(self, key: LockKey) -> str:
        kind, subj = key
        if kind == "d_lock":
            return f"{subj}->d_lock"
        if kind == "inode":
            d = _suffix(subj, self.api.inode_fields)
            return f"the inode lock of {d}" if d else f"the inode lock of {subj}"
        if not subj or subj == WILDCARD:
            return _KIND_NAMES.get(kind, kind)
        return subj

    # --- reads of dentry state --------------------------------------------------------------
    def refcount_subject(self, node: Node, st: State) -> str | None:
        node = unwrap(node)
        if node.type == "call_expression":
            spec, args = self.spec(node), args_of(node)
            if spec is not None and spec.refcount_of is not None and spec.refcount_of < len(args):
                return self.canon(args[spec.refcount_of], st)
            return None
        if node.type in ("field_expression", "identifier"):
            return _suffix(self.canon(node, st), self.api.refcount_fields)
        return None

    def flags_subject(self, node: Node, st: State) -> str | None:
        node = unwrap(node)
        if node.type in ("field_expression", "identifier", "call_expression"):
            return _suffix(self.canon(node, st), self.api.flags_fields)
        return None

    def _is_test(self, spec: FnSpec | None) -> bool:
        return spec is not None and any(v is not None for v in (
            spec.tests_negative, spec.tests_positive, spec.tests_flags_negative))

    def state_tests(self, node: Node, st: State) -> set[tuple[str, str]]:
        """(test, subject) for each test in `node` of a state another task
        can change: negativity, d_flags, hashed, dead (`d_unhashed(work)`)."""
        out = set()
        for call in descendants(node, ("call_expression",)):
            spec, args, name = self.spec(call), args_of(call), callee_name(call)
            idx = next((i for i in (spec.tests_negative, spec.tests_positive,
                                    spec.tests_flags_negative, spec.tests_state)
                        if i is not None), None) if spec is not None else None
            if name and idx is not None and idx < len(args):
                out.add((name, self.canon(args[idx], st)))
        return out

    def reads(self, node: Node, st: State,
              locks: frozenset[Inst] | None = None) -> Iterator[Read]:
        """(subject, "count" | "flags", line, locks at the read) in an expression."""
        text = node_text(node)
        if not any(n in text for n in self._needles) and not any(v in text for v in st.valfacts):
            return  # fast path: nothing here can read a count or d_flags
        here = locks if locks is not None else st.insts()
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur.type == "identifier" and node_text(cur) in st.valfacts:
                stored, at = st.valfacts[node_text(cur)]
                yield from self.reads(stored, st, at)
                continue
            if cur.type in ("identifier", "field_expression", "call_expression"):
                if (s := self.refcount_subject(cur, st)) is not None:
                    yield (s, "count", line_of(cur), here)
                    continue
                if (s := self.flags_subject(cur, st)) is not None:
                    yield (s, "flags", line_of(cur), here)
                    continue
            if cur.type == "call_expression" and self._is_test(self.spec(cur)):
                continue  # a negativity test, reported as such
            if cur.type == "sizeof_expression":
                continue
            stack.extend(reversed(cur.named_children))

    def atoms(self, node: Node, want: bool, st: State,
              locks: frozenset[Inst] | None = None) -> Iterator[Atom]:
        """Negativity tests in a condition and what the branch where the
        condition is `want` tells about each."""
        node = unwrap(node)
        t = node.type
        if t == "unary_expression" and node_text(node.children[0]) == "!":
            yield from self.atoms(node.child_by_field_name("argument") or node, not want, st,
                                  locks)
        elif t == "binary_expression":
            op = node_text(node.child_by_field_name("operator") or node)
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                return
            if op in ("&&", "||"):
                sure = (op == "&&") == want  # both arms took the value `want`
                for arm in (left, right):
                    for a in self.atoms(arm, want, st, locks):
                        yield a if sure else Atom(a.subject, None, a.line, a.locks)
            elif op in ("==", "!="):
                other = left if node_text(unwrap(right)) in _NULLS else \
                    right if node_text(unwrap(left)) in _NULLS else None
                if other is not None:
                    yield from self.atoms(other, want != (op == "=="), st, locks)
        elif t == "call_expression":
            spec, args = self.spec(node), args_of(node)
            if spec is None or not args:
                return
            for idx, negative in ((spec.tests_negative, want), (spec.tests_positive, not want),
                                  (spec.tests_flags_negative, want)):
                if idx is None or idx >= len(args):
                    continue
                arg = unwrap(args[idx])
                at = locks
                if arg.type == "identifier" and node_text(arg) in st.valfacts:
                    arg, at = st.valfacts[node_text(arg)]
                subj = self.canon(arg, st)
                if idx == spec.tests_flags_negative:
                    subj = _suffix(subj, self.api.flags_fields) or ""
                if subj:
                    yield Atom(subj, negative, line_of(node), at)
                return
            if spec.transparent is not None and spec.transparent < len(args):
                yield from self.atoms(args[spec.transparent], want, st, locks)
            elif spec.inode_of is not None:
                yield from self._inode_truth(node, want, st, locks)
        elif t == "identifier" and node_text(node) in st.valfacts:
            stored, at = st.valfacts[node_text(node)]
            yield from self.atoms(stored, want, st, at)
        elif t in ("identifier", "field_expression"):
            yield from self._inode_truth(node, want, st, locks)

    def _inode_truth(self, node: Node, want: bool, st: State,
                     locks: frozenset[Inst] | None) -> Iterator[Atom]:
        subj = _suffix(self.canon(node, st), self.api.inode_fields)
        if subj:
            yield Atom(subj, not want, line_of(node), locks)

    def facts(self, cond: Node, want: bool, st: State,
              scope: tuple[int, int] = (0, 0)) -> list[Fact]:
        """Facts the branch where `cond` is `want` (its body spanning bytes
        `scope`) adds to the path."""
        now = st.insts()
        out = [Fact(a.subject, "neg", a.negative, cond.start_byte, a.line,
                    a.locks if a.locks is not None else now, scope)
               for a in self.atoms(cond, want, st)]
        out += [Fact(s, kind, want, cond.start_byte, line, at, scope)
                for s, kind, line, at in self.reads(cond, st)]
        return out

    # --- truth of conditions -------------------------------------------------------------------
    def truth(self, node: Node, st: State) -> bool | None:
        node = unwrap(node)
        t, text = node.type, " ".join(node_text(node).split())
        known = st.truth.get(text)
        if known is not None:
            return known[0]
        if (by_sign := sign_truth(node, st)) is not None:
            return by_sign
        if t in ("true", "false"):
            return t == "true"
        if t == "number_literal":
            return text.rstrip("uUlL") not in ("0", "0x0")
        if t == "null":
            return False
        if t == "unary_expression" and node_text(node.children[0]) == "!":
            arg = node.child_by_field_name("argument")
            v = self.truth(arg, st) if arg is not None else None
            return None if v is None else not v
        if t == "binary_expression":
            op = node_text(node.child_by_field_name("operator") or node)
            if op in ("&&", "||"):
                lv = self._side(node, "left", st)
                rv = self._side(node, "right", st)
                if op == "&&":
                    return False if False in (lv, rv) else True if lv and rv else None
                return True if True in (lv, rv) else False if lv is False and rv is False \
                    else None
        return None

    def _side(self, node: Node, field: str, st: State) -> bool | None:
        side = node.child_by_field_name(field)
        return self.truth(side, st) if side is not None else None

    def record_truth(self, node: Node, want: bool, st: State) -> None:
        """Remember a pure condition's value on this branch (`if (locked)`),
        and that of its parts when the value says what they are."""
        node = unwrap(node)
        self._record(node, want, st)
        narrow(node, want, st)
        if node.type == "unary_expression" and node_text(node.children[0]) == "!":
            arg = node.child_by_field_name("argument")
            if arg is not None:
                self.record_truth(arg, not want, st)
            return
        if node.type == "binary_expression":
            op = node_text(node.child_by_field_name("operator") or node)
            if (op == "&&" and want) or (op == "||" and not want):
                for f in ("left", "right"):
                    side = node.child_by_field_name(f)
                    if side is not None:
                        self.record_truth(side, want, st)

    def _record(self, node: Node, want: bool, st: State) -> None:
        idents: set[str] = set()
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur.type in ("call_expression", "assignment_expression", "update_expression"):
                return  # not pure: its value may differ next time
            if cur.type == "identifier":
                idents.add(node_text(cur))
            stack.extend(cur.named_children)
        if idents:
            st.truth[" ".join(node_text(node).split())] = (want, frozenset(idents))

    def cond_acquires(self, node: Node, want: bool, st: State) -> Iterator[tuple[Node, LockSpec]]:
        """Trylock-style calls in a condition that hold their lock on this branch."""
        node = unwrap(node)
        t = node.type
        if t == "unary_expression" and node_text(node.children[0]) == "!":
            arg = node.child_by_field_name("argument")
            if arg is not None:
                yield from self.cond_acquires(arg, not want, st)
        elif t == "binary_expression":
            op = node_text(node.child_by_field_name("operator") or node)
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                return
            if (op == "&&" and want) or (op == "||" and not want):
                yield from self.cond_acquires(left, want, st)
                yield from self.cond_acquires(right, want, st)
            elif op in ("==", "!=") and node_text(unwrap(right)) in _NULLS:
                yield from self.cond_acquires(left, want != (op == "=="), st)
        elif t == "assignment_expression":
            right = node.child_by_field_name("right")
            if right is not None:
                yield from self.cond_acquires(right, want, st)
        elif t == "call_expression":
            spec = self.spec(node)
            for ls in spec.acquires if spec is not None else ():
                if ls.when is not None and ls.when == want:
                    yield node, ls
