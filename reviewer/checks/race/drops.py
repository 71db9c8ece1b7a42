"""RACE001, RACE003, RACE004 and RACE012: unhashing and other state changes
of a dentry, judged against what the path tested and read, under which locks."""

from __future__ import annotations

from collections.abc import Sequence

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi
from reviewer.checks.race.exprs import Exprs
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.hits import control_dependent as _cd
from reviewer.checks.race.state import WILDCARD, Fact, LockKey, State, root_of

__all__ = ["DropChecks"]


class DropChecks:
    api: KernelApi
    ctx: FnContext
    x: Exprs

    def parent_keys(self, subj: str, st: State) -> list[LockKey]:
        parents = {f"{subj}->{self.api.parent_field}"}
        if subj in st.parents:
            parents.add(st.parents[subj])
        return [("inode", f"{p}->d_inode") for p in parents] + [("inode", WILDCARD)]

    def blind(self, subj: str, st: State) -> bool:
        """Would a test of subj here be made with unknown locks (subj's
        d_lock, its parent's inode lock) held?"""
        if not st.fogged:
            return False
        parents = [k for k in self.parent_keys(subj, st) if k[1] != WILDCARD]
        return not (st.surely_unheld(("d_lock", subj))
                    and any(st.surely_unheld(k) for k in parents))

    def _parent_pred(self, subj: str, st: State) -> set[LockKey] | None:
        """Lock keys that count as the parent's inode lock; None = any inode
        lock not on subj itself (we do not know where subj came from)."""
        keys = set(self.parent_keys(subj, st))
        return keys if subj in st.parents else None

    def _is_parent(self, key: LockKey, subj: str, st: State) -> bool:
        if key[0] != "inode":
            return False
        keys = self._parent_pred(subj, st)
        if keys is not None:
            return key in keys
        r = root_of(key[1])
        return key[1] == WILDCARD or (r != root_of(subj) and key[1] != f"{subj}->d_inode")

    def _kept(self, f: Fact, st: State, subj: str, parent_too: bool) -> bool:
        """Was `f` read under subj's d_lock (or its parent's inode lock), and is
        that same acquisition still held now?"""
        for key, taken in f.locks:
            if key == ("d_lock", subj) or (parent_too and self._is_parent(key, subj, st)):
                if st.still_held((key, taken)):
                    return True
        return False

    def _unhash(self, arg: Node, st: State, peers: Sequence[State], line: int,
                text: str, at: int, takes_d_lock: bool) -> None:
        subj = self.x.canon(arg, st)
        self._act(subj, st, peers, line, text, at, takes_d_lock)
        if subj in st.fresh:
            return
        negs = [f for f in st.facts if f.subject == subj and f.kind == "neg"
                and f.polarity is True and not f.blind and _cd(f, peers)]
        if not negs:
            return  # not discarding a negative: unlink/rename style drops are fine
        last = max(negs, key=lambda f: f.line)
        if not any(self._kept(f, st, subj, True) for f in negs):
            self.ctx.hit(Hit("RACE001", line, subj,
                             f"{text} unhashes a dentry whose negativity was tested at line "
                             f"{last.line} without {subj}->d_lock or the parent's inode lock "
                             "held across the test and the drop", (last.line,)))
        if any(self._is_parent(h.key, subj, st) for h in st.locks):
            return
        counted = any(f.subject == subj and f.kind == "count" and self._kept(f, st, subj, False)
                      for f in st.facts)
        if not counted:
            self.ctx.hit(Hit("RACE003", line, subj,
                             f"{text} discards a negative dentry without checking under "
                             f"{subj}->d_lock that d_lockref.count == 1 (that ours is the only "
                             "reference)", (last.line,)))

    def _act(self, subj: str, st: State, peers: Sequence[State], line: int, text: str,
             at: int, takes_d_lock: bool) -> None:
        """RACE004: a state change decided on a refcount/d_flags value read
        without d_lock held from the read to the act, not rechecked under it.
        Acts done with no d_lock at all are RACE002's business."""
        if not takes_d_lock and st.held(("d_lock", subj)) is None:
            return
        for kind, what in (("count", "the reference count"), ("flags", "d_flags")):
            read = [f for f in st.facts if f.subject == subj and f.kind == kind and _cd(f, peers)
                    and (kind == "count" or f.scope[0] <= at < f.scope[1])]
            unlocked = [f for f in read if not f.blind and not self._kept(f, st, subj, True)]
            if not unlocked:
                continue
            kinds = {kind, "neg"} if kind == "flags" else {kind}
            rechecked = any(f.subject == subj and f.kind in kinds and
                            self._kept(f, st, subj, False) for f in st.facts)
            if not rechecked:
                first = min(unlocked, key=lambda f: f.line)
                self.ctx.hit(Hit("RACE004", line, subj,
                                 f"{text} acts on {what} of {subj} read at line {first.line} "
                                 f"without {subj}->d_lock held from the read to the act, and "
                                 "does not recheck it under the lock", (first.line,)))

    def act_after_unlock(self, subj: str, st: State, peers: Sequence[State], line: int,
                         text: str) -> None:
        """RACE012: acting on a dentry's negativity tested after the parent's
        inode lock, held for its lookup, was dropped: it may be positive now."""
        inst = st.looked.get(subj)
        if inst is None or st.still_held(inst):
            return
        negs = [f for f in st.facts if f.subject == subj and f.kind == "neg" and f.polarity
                and not f.blind and inst not in f.locks and _cd(f, peers)]
        if negs:
            test = max(negs, key=lambda f: f.line)
            self.ctx.hit(Hit("RACE012", line, subj,
                             f"{text} acts on {subj} found negative at line {test.line}, "
                             f"after the parent's inode lock held for its lookup (line "
                             f"{inst[1]}) was dropped: a create may have made it positive; "
                             "test and act with the parent locked", (test.line, inst[1])))
