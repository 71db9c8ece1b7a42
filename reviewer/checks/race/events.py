"""What each call and assignment does to a path's state, and the rule checks
that fire on them."""

from __future__ import annotations

from collections.abc import Sequence

from tree_sitter import Node

from reviewer.checks.race.api import FnSpec, KernelApi, LockSpec
from reviewer.checks.race.drops import DropChecks
from reviewer.checks.race.exprs import (
    Exprs,
    args_of,
    callee_name,
    compact,
    may_move_lock,
    strip_addr,
    unwrap,
)
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.joins import JoinChecks
from reviewer.checks.race.parents import ParentChecks
from reviewer.checks.race.rcuwalk import RcuWalkChecks, loaded_dentry
from reviewer.checks.race.refs import RefChecks
from reviewer.checks.race.removed import RemovedChecks
from reviewer.checks.race.signs import sign_of
from reviewer.checks.race.state import WILDCARD, Held, LockKey, State, root_of
from reviewer.cparse import line_of, node_text

__all__ = ["Events", "FnContext", "Hit"]


class Events(DropChecks, JoinChecks, ParentChecks, RcuWalkChecks, RefChecks, RemovedChecks):
    def __init__(self, api: KernelApi, ctx: FnContext) -> None:
        self.api, self.ctx, self.x = api, ctx, Exprs(api)
        self.tearing = False  # visiting the arguments of a teardown call

    # --- expressions, in evaluation order ---------------------------------------------
    def visit(self, node: Node, st: State, peers: Sequence[State]) -> None:
        t = node.type
        if t in ("sizeof_expression", "comment", "string_literal", "number_literal"):
            return
        if st.rcu_walk and (dentry := loaded_dentry(self.x, node)) is not None:
            self.inode_load(node, dentry, st, line_of(node))
        if t == "call_expression":
            args = args_of(node)
            outer, self.tearing = self.tearing, self.tearing or self.api.tears_down(
                callee_name(node))
            for a in args:
                self.visit(a, st, peers)
            self.tearing = outer
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type != "identifier":
                self.visit(fn, st, peers)
            self.on_call(node, args, st, peers)
        elif t == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if right is not None:
                self.visit(right, st, peers)
            if left is not None:
                if left.type != "identifier":
                    self.visit(left, st, peers)
                op = node_text(node.child_by_field_name("operator") or node)
                self.on_assign(left, right, op, st, peers, line_of(node))
        elif t == "update_expression":
            arg = node.child_by_field_name("argument")
            if arg is not None and arg.type == "identifier":
                st.assign(node_text(arg), line_of(node))
        elif t in ("field_expression", "subscript_expression") or (
                t == "pointer_expression" and node.children and node.children[0].type == "*"):
            base = node.child_by_field_name("argument")
            if base is not None:
                self.visit(base, st, peers)
                self.use(base, st, line_of(node))
            if t == "field_expression" and not _assigned(node):
                self.read_field(node, st, line_of(node))
            if t == "subscript_expression" and (idx := node.child_by_field_name("index")):
                self.visit(idx, st, peers)
        else:
            for c in node.named_children:
                self.visit(c, st, peers)

    def use(self, node: Node, st: State, line: int) -> None:
        """The value is dereferenced or passed on: RACE008 if its reference
        was dropped, RACE009 if it is an unpinned parent's inode."""
        self.use_parent_inode(node, st, line)
        self.use_after_put(node, st, line)

    # --- calls ---------------------------------------------------------------------------
    def on_call(self, call: Node, args: list[Node], st: State, peers: Sequence[State]) -> None:
        name = callee_name(call)
        spec = self.api.get(name) if name else None
        line, text = line_of(call), compact(call)
        if self.ctx.call_hook is not None and name:
            self.ctx.call_hook(name, args, st)
        if (spec is None and self.ref_by_name(name, args) != "put") or (
                spec is not None and not (spec.puts is not None or spec.value_only)):
            if not (spec and (spec.transparent is not None or spec.inode_of is not None)):
                for a in args:
                    self.use(a, st, line)
        if spec is None or not (spec.acquires or spec.releases or spec.requires or spec.takes):
            if not (name and "for_each" in name):  # loop macros: cursors set by the walker
                self._out_params(args, st, line)
        if spec is None or not spec.releases:
            self._unknown_call(name, args, st, line,
                               publishes=spec is None or spec.links is not None)
        discarded = call.parent is not None and call.parent.type == "expression_statement"
        if name:
            self.ref_call(call, name, spec, args, st, line, discarded)
        self._sleep(spec, args, st, line, text)
        if spec is None:
            return
        self.link_without_ref(call, spec, args, line)
        for idx in (spec.tests_negative, spec.tests_positive):
            if idx is not None and idx < len(args):
                self.inode_retest(call, args[idx], st, line)
        if spec.returns_ref and spec.alias_arg is not None and spec.alias_arg < len(args):
            self.dget_unpinned_parent(args[spec.alias_arg], name or "", st, line)
        for ls in spec.takes:
            key = self._req_key(ls, args, st)
            if key is not None:
                self.parent_after_child(key, st, line, text)
            h = st.held(key) if key else None
            guessed = h is not None and h.line == 0 and h.key in self.ctx.inferred_keys
            if key and h is not None and key[1] != WILDCARD and not guessed:
                self.ctx.hit(Hit("RACE006", line, key[1],
                                 f"{text} takes {self.x.describe(key)} itself, but it is "
                                 f"already held {self._since(h)}: self-deadlock",
                                 (h.line,) if h.line else ()))
        for ls in spec.takes + spec.forbids:  # the call takes it: free here
            if (key := self._req_key(ls, args, st)) is not None and st.held(key) is None:
                st.unheld = st.unheld | {key}
        for ls in spec.requires:
            self._require(ls, args, st, line, text)
        for ls in spec.forbids:
            key = self._req_key(ls, args, st)
            h = st.held(key) if key else None
            if key and h is not None and key[1] != WILDCARD:
                self.ctx.hit(Hit("RACE005", line, self.x.dentry_of_inode(key[1]),
                                 f"{text} takes {self.x.describe(key)} itself, but it is "
                                 f"already held {self._since(h)}", (h.line,) if h.line else ()))
        if spec.unhashes is not None and spec.unhashes < len(args):
            self._unhash(args[spec.unhashes], st, peers, line, text, call.start_byte,
                         self._takes_d_lock(spec, spec.unhashes))
        for idx in (spec.publishes, spec.acts_on):
            if idx is not None and idx < len(args):
                self.act_after_unlock(self.x.canon(args[idx], st), st, peers, line, text)
        if spec.acts_on is not None and spec.acts_on < len(args):
            self._act(self.x.canon(args[spec.acts_on], st), st, peers, line, text,
                      call.start_byte, self._takes_d_lock(spec, spec.acts_on))
        for ls in spec.acquires:
            if ls.when is None or discarded:
                self.acquire(ls, args, st, line, text)
        for ls in spec.releases:
            self._release(ls, args, st, line, text)
        for ls in spec.asserts:
            key = self.x.lock_key(ls, args, st)
            if ls.arg is not None and ls.arg < len(args):  # the caller's, of whatever kind
                self.ctx.asserted.add(strip_addr(self.x.canon(args[ls.arg], st)))
            if key is not None and st.held(key) is None:
                st.add_lock(Held(key, 0, False, self.api.atomic(key[0]), text))
        if spec.publishes is not None and spec.publishes < len(args):
            subj = self.x.canon(args[spec.publishes], st)
            st.fresh = st.fresh - {subj}

    def _unknown_call(self, name: str | None, args: list[Node], st: State, line: int,
                      publishes: bool) -> None:
        """Code the table does not know may publish a fresh dentry it gets; a
        function of this file may release a lock its caller took (its summary
        says which, relative to its parameters)."""
        if may_move_lock(name):  # a lock it takes would explain a release later
            st.slept = frozenset()
        if publishes:
            st.fresh = st.fresh - {strip_addr(self.x.canon(a, st)) for a in args}
            # `down_write_killable(&v->lock)`, `lock_two_nondirectories(a, b)`:
            # what it does to the locks of the objects it gets is unknown
            given = {strip_addr(self.x.canon(a, st)) for a in args}
            unknown = {k for k in self.ctx.acquired_keys | self.ctx.released_keys
                       if st.held(k) is None and (k[1] in given or any(
                           k[1].startswith(g + "->") for g in given))}
            st.murky = st.murky | unknown
            st.released = {k: v for k, v in st.released.items() if k not in unknown}
        for rel in self.ctx.callee_releases(name) if name else ():
            if rel.arg < len(args):
                key = (rel.kind, "") if rel.arg < 0 else \
                    (rel.kind, strip_addr(self.x.canon(args[rel.arg], st)) + rel.suffix)
                h = st.held(key)
                if h is not None and h.key[1] != WILDCARD:
                    st.drop_lock(h, line)
                    if not rel.always:  # released on some of its paths: unknown now
                        st.released.pop(h.key, None)
                        st.murky = st.murky | {h.key}
                elif h is None and rel.taken:  # it may come back holding it
                    st.released.pop(key, None)
                    st.murky = st.murky | {key}

    def _out_params(self, args: list[Node], st: State, line: int) -> None:
        """`f(..., &this)` may store a new value in `this` (or in `path.dentry`)."""
        for a in args:
            a = unwrap(a)
            if a.type != "pointer_expression" or not a.children or a.children[0].type != "&":
                continue
            target = a.child_by_field_name("argument")
            if target is None:
                continue
            target = unwrap(target)
            # The object keeps its identity (and its locks): only values change.
            if target.type == "identifier":
                st.assign(node_text(target), line, rename_locks=False)
            elif target.type == "field_expression" and "->" not in node_text(target):
                st.assign(root_of(node_text(target)), line, rename_locks=False)

    @staticmethod
    def _takes_d_lock(spec: FnSpec, arg: int) -> bool:
        return any(ls.kind == "d_lock" and ls.arg == arg for ls in spec.takes)

    def _since(self, h: Held) -> str:
        return f"since line {h.line}" if h.line else "on entry"

    def _req_key(self, ls: LockSpec, args: list[Node], st: State) -> LockKey | None:
        if ls.arg is None or ls.arg >= len(args):
            return None
        if ls.kind in ("d_lock", "parent_inode", "inode"):
            return self.x.required_key(ls.kind, self.x.canon(args[ls.arg], st))
        return self.x.lock_key(ls, args, st)

    def _sleep(self, spec: FnSpec | None, args: list[Node], st: State, line: int,
               text: str) -> None:
        """RACE007.  A call the table does not list may sleep when it is
        given a sleeping GFP flag: the caller allows it to block in reclaim.
        (So may one whose GFP argument the table places beyond the call's
        arguments: the signature of another kernel version.)"""
        if spec is not None and spec.gfp_arg is None:
            sleeps = spec.sleeps
        else:
            at = spec.gfp_arg if spec is not None else None
            gfp = [args[at]] if at is not None and at < len(args) else args
            sleeps = (spec is not None and spec.sleeps) or any(
                w in self.api.sleeping_gfp for a in gfp
                for w in node_text(a).replace("|", " ").replace("(", " ").split())
        h = st.atomic_held() if sleeps else None
        # the call's other lines: a flag changed on a continuation line is its change
        rest = tuple(range(line + 1, args[-1].end_point.row + 2)) if args else ()
        if sleeps and h is None and st.fogged:
            st.slept = st.slept | {(line, text, rest)}
        if h is not None:
            how = f"{h.how} (line {h.line})" if h.line else h.how
            self.ctx.hit(Hit("RACE007", line, h.key[1],
                             f"{text} may sleep while {self.x.describe(h.key)} is held, "
                             f"taken by {how}", ((h.line,) if h.line else ()) + rest))

    def _slept_holding(self, key: LockKey, st: State, line: int, text: str) -> None:
        """RACE007 after the fact: `text` releases an atomic lock this path
        neither took nor released since the code seen began, so it was held
        at every call that may sleep made since."""
        for at, call, rest in sorted(st.slept):
            self.ctx.hit(Hit("RACE007", at, key[1],
                             f"{call} may sleep while {self.x.describe(key)} is held: "
                             f"{text} at line {line} releases it with no acquire since",
                             (line, *rest)))
        st.slept = frozenset()

    def _require(self, ls: LockSpec, args: list[Node], st: State, line: int, text: str) -> None:
        key = self._req_key(ls, args, st)
        if key is None or self.ctx.assumes_locked or not st.surely_unheld(key):
            return
        subj = self.x.dentry_of_inode(key[1])
        if key[0] == "d_lock":
            if key[1] in st.fresh:
                return
            others = [h.key[1] for h in st.locks if h.key[0] == "d_lock"]
            extra = f" (the d_lock held is {others[-1]}'s)" if others else ""
            self.ctx.hit(Hit("RACE002", line, key[1],
                             f"{text} requires {key[1]}->d_lock held, but it is not held "
                             f"here{extra}"))
        elif key[0] == "inode":
            if any(h.key[1].startswith("?") for h in st.locks) and any(
                    subj == f"{p}->{self.api.parent_field}" for p in self.ctx.dentry_params):
                return  # inode op: the VFS holds the dir, dentry's parent
            what = self.x.describe(key)
            self.ctx.hit(Hit("RACE005", line, subj,
                             f"{text} needs {what} held (inode_lock or inode_lock_shared), "
                             "but it is not held here"))
        else:
            self.ctx.hit(Hit("RACE002", line, key[1],
                             f"{text} requires {self.x.describe(key)} held, but it is not "
                             "held here"))

    def acquire(self, ls: LockSpec, args: list[Node], st: State, line: int, text: str) -> None:
        key = self.x.lock_key(ls, args, st)
        if key is None:
            return
        if ls.when is None:  # a trylock cannot deadlock
            self.parent_after_child(key, st, line, text)
        h = st.held(key)
        if h is not None and (h.line == line or (h.line == 0 and h.key in self.ctx.inferred_keys)):
            st.drop_lock(h, line)  # a loop's next object, or a hold we only guessed
            h = None
        if h is not None and key[0] not in self.api.nestable_kinds and key[1] != WILDCARD:
            self.ctx.hit(Hit("RACE006", line, key[1],
                             f"{text} takes {self.x.describe(key)}, which is already held "
                             f"{self._since(h)}", (h.line,) if h.line else ()))
            return
        if h is None and ls.when is None:  # a failed trylock would not deadlock
            self.unsure_read_locked(key, st, line)
        st.add_lock(Held(key, line, ls.shared, self.api.atomic(key[0]), text))

    def _release(self, ls: LockSpec, args: list[Node], st: State, line: int, text: str) -> None:
        key = self.x.lock_key(ls, args, st)
        if key is None:
            return
        st.settle_unsure(key)  # it was held, then
        h = st.held(key)
        if h is not None and h.key[1] != WILDCARD:
            st.drop_lock(h, line)
            return
        if h is None and self.api.atomic(key[0]) and key not in st.murky \
                and key not in st.released:
            self._slept_holding(key, st, line, text)
        if key in st.murky:
            pass  # taken or not by code we do not know: no verdict
        elif key in st.released:
            first = st.released[key]
            self.ctx.hit(Hit("RACE006", line, key[1],
                             f"{text} releases {self.x.describe(key)}, already released at "
                             f"line {first} on this path", (first,)))
        elif key in self.ctx.acquired_keys and key not in self.ctx.entry_keys \
                and st.surely_unheld(key):
            self.ctx.hit(Hit("RACE006", line, key[1],
                             f"{text} releases {self.x.describe(key)}, which is not held on "
                             "this path"))
        st.released[key] = line
        st.murky = st.murky - {key}

    # --- assignments -------------------------------------------------------------------
    def on_assign(self, left: Node, right: Node | None, op: str, st: State,
                  peers: Sequence[State], line: int) -> None:
        left = unwrap(left)
        if left.type == "identifier":
            self.bind(node_text(left), right if op == "=" else None, st, line)
            return
        target = self.x.canon(left, st)
        flags_of = self.x.flags_subject(left, st)
        if flags_of is not None:
            if st.surely_unheld(("d_lock", flags_of)) and flags_of not in st.fresh \
                    and not self.ctx.assumes_locked:
                self.ctx.hit(Hit("RACE002", line, flags_of,
                                 f"{compact(left)} is written without {flags_of}->d_lock held"))
            self._act(flags_of, st, peers, line, f"writing {compact(left)}", left.start_byte,
                      False)
        st.forget_subject(target)
        st.forget_subject(self.x.canon(left, st, ref=True))
        value = unwrap(right) if right is not None and op == "=" else None
        if value is not None and (truth := self.x.truth(value, st)) is not None \
                and value.type in ("true", "false", "null", "number_literal"):
            # `trans->removing_chunk = false;` decides a later `if (trans->removing_chunk)`
            st.truth[" ".join(node_text(left).split())] = (truth, frozenset({root_of(target)}))

    def bind(self, var: str, value: Node | None, st: State, line: int,
             declared: bool = False) -> None:
        """`var = value` (value None: an unknown new value); `declared`: a
        declaration, so no lock was taken through an older value of var."""
        if value is None:
            st.assign(var, line, rename_locks=not declared)
            return
        v = unwrap(value)
        plain = self.x.is_plain(v)
        canon = self.x.canon(v, st)
        ref_canon = self.x.canon(v, st, ref=True)
        parent: str | None = None
        fresh, own_ref = False, False
        pending: tuple[Held, bool] | None = None
        if v.type == "call_expression":
            spec, args = self.x.spec(v), args_of(v)
            if spec is not None:
                own_ref = spec.returns_ref
                if spec.parent_arg is not None and spec.parent_arg < len(args):
                    parent = self.x.canon(args[spec.parent_arg], st)
                elif spec.returns_ref and spec.alias_arg is None and spec.parent_of_arg is None:
                    inode = [h.key[1] for h in st.locks if h.key[0] == "inode"
                             and h.key[1].endswith("->d_inode")]
                    parent = inode[-1][: -len("->d_inode")] if inode else None
                fresh = spec.fresh
                for ls in spec.acquires:
                    key = self.x.lock_key(ls, args, st)
                    if ls.when is not None and key is not None:
                        pending = (Held(key, line, ls.shared, self.api.atomic(key[0]),
                                        compact(v)), ls.when)
        reads = v.type != "call_expression" or not own_ref
        keep = reads and (any(True for _ in self.x.reads(v, st))
                          or any(True for _ in self.x.atoms(v, True, st)))
        locks = st.insts()
        st.assign(var, line, rename_locks=not declared)
        if root_of(canon) == var:  # `d = d->d_parent`: the old d is gone
            canon = f"{var}@{line}{canon[len(var):]}"
        if root_of(ref_canon) == var:
            ref_canon = f"{var}@{line}{ref_canon[len(var):]}"
        if own_ref or (v.type == "identifier" and node_text(v) in st.owned):
            st.owned = st.owned | {var}
        self.bind_parent_inode(var, v, st, line)
        self.bind_derived(var, v, st, line, own_ref)
        if plain:  # a copied field is its own name for use-after-dput purposes
            st.alias[var] = (canon, None if own_ref or v.type != "identifier" else ref_canon)
        if parent:
            st.parents[var] = parent
            h = st.held(("inode", f"{parent}->d_inode"))
            if h is not None and h.line:
                st.looked[var] = h.inst
        if fresh:
            st.fresh = st.fresh | {var}
        if pending is not None:
            st.pending[var] = pending
        if keep:
            st.valfacts[var] = (v, locks)
        if _is_errno(v):
            st.errs = st.errs | {var}
        if (signs := sign_of(v)) is not None:
            st.signs[var] = signs
        if v.type in ("true", "false", "null", "number_literal") or \
                node_text(v) in ("NULL", "true", "false"):
            truth = self.x.truth(v, st)
            if truth is not None:
                st.truth[var] = (truth, frozenset({var}))


def _is_errno(v: Node) -> bool:
    """`-ENOMEM`, `ERR_PTR(...)`: a value that is an error code."""
    text = node_text(v)
    return (v.type == "unary_expression" and text.startswith("-") and text[1:2].isalpha()) \
        or (v.type == "call_expression" and callee_name(v) in ("ERR_PTR", "ERR_CAST"))


def _assigned(node: Node) -> bool:
    """Is the expression the left side of an assignment (a write)?"""
    parent = node.parent
    return parent is not None and parent.type == "assignment_expression" \
        and parent.child_by_field_name("left") == node
