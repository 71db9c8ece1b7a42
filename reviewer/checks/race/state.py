"""What the walker knows at one point of one path through a function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

__all__ = ["Fact", "Held", "Inst", "LockKey", "State", "root_of"]

LockKey = tuple[str, str]  # (kind, normalised expression): ("d_lock", "this")
Inst = tuple[LockKey, int]  # one acquisition of a lock: (key, line taken; 0 = on entry)
WILDCARD = "*"  # subject of a lock assumed held on entry on an unknown object


@dataclass(frozen=True)
class Held:
    key: LockKey
    line: int  # where it was taken; 0 when held on entry
    shared: bool
    atomic: bool
    how: str  # the call that took it, for messages

    @property
    def inst(self) -> Inst:
        return (self.key, self.line)


@dataclass(frozen=True)
class Fact:
    """A test or read of a dentry's state on this path.

    kind "neg": negativity test, polarity True = found negative, False = found
    positive, None = outcome unknown (one arm of a failed `&&`).  kind "count"
    / "flags": a refcount / d_flags read that a branch decided on; polarity
    says which arm.  `decision` identifies the condition (its byte offset),
    `locks` the lock instances held when the value was read."""

    subject: str
    kind: str
    polarity: bool | None
    decision: int
    line: int
    locks: frozenset[Inst]
    scope: tuple[int, int] = (0, 0)  # bytes of the branch this outcome governs
    blind: bool = False  # read where the code seen does not say which locks were held


def root_of(expr: str) -> str:
    """Leading identifier of a normalised expression ("a->b.c" -> "a")."""
    out = []
    for ch in expr.lstrip("&*("):
        if ch.isalnum() or ch in "_@":
            out.append(ch)
        else:
            break
    return "".join(out)


class State:
    """Lock knowledge is three-valued: a key in `locks` is held, one in
    `released` or `unheld` is not, and any other key is not held unless the
    path crossed lines the code seen does not show (`fogged`): then it is
    unknown, except for objects the path named afresh since (`clear`)."""

    __slots__ = ("alias", "born", "clear", "derived", "errs", "extra", "facts", "fogged",
                 "fresh", "locks", "looked", "maybe_null", "murky", "nonnull", "oks", "owned",
                 "parents", "pending", "pos", "put", "rcu_walk", "released", "signs", "trail",
                 "slept", "truth", "unheld", "unsure", "valfacts")

    def __init__(self) -> None:
        self.locks: tuple[Held, ...] = ()
        self.released: dict[LockKey, int] = {}
        self.unheld: frozenset[LockKey] = frozenset()  # known free: a call takes it itself
        self.murky: frozenset[LockKey] = frozenset()  # unknown: dropped on some paths only
        self.fogged = False
        self.clear: frozenset[str] = frozenset()  # variables assigned since the fog
        self.pos = 0  # line of the last statement run (not part of the signature)
        self.trail = 0  # last changed line the path ran through
        self.errs: frozenset[str] = frozenset()  # variables holding an error code
        self.oks: frozenset[str] = frozenset()  # pointer variables known not to be errors
        self.rcu_walk = False  # on the RCU-walk branch of a lookup-time callback
        self.owned: frozenset[str] = frozenset()  # variables holding their own reference
        self.maybe_null: dict[str, tuple[str, int]] = {}  # var = d_inode(child->d_parent)
        self.nonnull: frozenset[str] = frozenset()  # names a branch proved non-NULL
        self.signs: dict[str, frozenset[str]] = {}  # int var -> possible signs (signs.py)
        self.born: dict[str, frozenset[Inst]] = {}  # var -> atomic locks held when it was set
        self.looked: dict[str, Inst] = {}  # dentry -> the parent inode lock of its lookup
        self.facts: frozenset[Fact] = frozenset()
        # var -> (normalised value, name of the reference it holds: None = its own)
        self.alias: dict[str, tuple[str, str | None]] = {}
        self.parents: dict[str, str] = {}  # dentry -> the dentry it was looked up in
        self.put: dict[str, tuple[int, str]] = {}  # object -> (line, call) that dropped it
        self.derived: dict[str, tuple[str, int]] = {}  # var -> (object it was read from, line)
        self.truth: dict[str, tuple[bool, frozenset[str]]] = {}  # condition -> value
        self.valfacts: dict[str, tuple[Node, frozenset[Inst]]] = {}  # var = predicate
        self.pending: dict[str, tuple[Held, bool]] = {}  # var = trylock-style result
        self.fresh: frozenset[str] = frozenset()  # dentries nobody else can see yet
        self.extra: dict[str, int] = {}  # dentry -> references taken here with dget()
        # reads made with a lock's state unknown: (lock, line, what was read);
        # the path taking that lock next proves it was not held (RACE014)
        self.unsure: frozenset[tuple[LockKey, int, str]] = frozenset()
        # calls that may sleep, made with the atomic locks unknown: (line, call,
        # its other lines);
        # a later release of one not taken since proves it was held (RACE007)
        self.slept: frozenset[tuple[int, str, tuple[int, ...]]] = frozenset()

    def copy(self) -> State:
        s = State()
        s.locks, s.facts, s.fresh = self.locks, self.facts, self.fresh
        s.unheld, s.fogged, s.clear, s.pos = self.unheld, self.fogged, self.clear, self.pos
        s.trail, s.errs, s.oks, s.rcu_walk = self.trail, self.errs, self.oks, self.rcu_walk
        s.murky, s.owned, s.nonnull = self.murky, self.owned, self.nonnull
        s.maybe_null, s.signs = dict(self.maybe_null), dict(self.signs)
        s.born, s.looked = dict(self.born), dict(self.looked)
        s.extra = dict(self.extra)
        s.released, s.alias = dict(self.released), dict(self.alias)
        s.parents, s.put, s.derived = dict(self.parents), dict(self.put), dict(self.derived)
        s.truth, s.valfacts = dict(self.truth), dict(self.valfacts)
        s.pending, s.unsure, s.slept = dict(self.pending), self.unsure, self.slept
        return s

    def signature(self) -> tuple[object, ...]:
        # Most of the maps are empty on most paths: no sort for those.
        return (self.locks, _items(self.released), self.facts, _items(self.alias),
                _items(self.parents), _items(self.put), _items(self.derived),
                tuple(sorted((k, v[0]) for k, v in self.truth.items())) if self.truth else (),
                tuple(sorted((k, v[0].start_byte) for k, v in self.valfacts.items()))
                if self.valfacts else (),
                tuple(sorted((k, v[0].key) for k, v in self.pending.items()))
                if self.pending else (), self.fresh,
                _items(self.extra), self.unheld, self.fogged, self.clear,
                self.trail, self.errs, self.oks, self.rcu_walk, self.murky, self.owned,
                self.nonnull, tuple(sorted(self.maybe_null)) if self.maybe_null else (),
                _items(self.signs), _items(self.born), _items(self.looked), self.unsure, self.slept)

    def fog(self) -> None:
        """The path ran lines the code seen does not show: what it knew about
        locks and values may have changed there."""
        blank = State()
        for name in self.__slots__:
            if name not in ("pos", "trail", "rcu_walk"):
                setattr(self, name, getattr(blank, name))
        self.fogged = True

    def surely_unheld(self, key: LockKey) -> bool:
        """Is `key` provably not held here (not merely unseen)?"""
        if self.held(key) is not None or key in self.murky:
            return False
        return not self.fogged or key in self.released or key in self.unheld \
            or root_of(key[1]) in self.clear

    # --- locks -----------------------------------------------------------------
    def held(self, key: LockKey) -> Held | None:
        for h in reversed(self.locks):
            if h.key == key or (h.key[0] == key[0] and h.key[1] == WILDCARD):
                return h
        return None

    def insts(self) -> frozenset[Inst]:
        return frozenset(h.inst for h in self.locks)

    def still_held(self, inst: Inst) -> bool:
        return any(h.inst == inst for h in self.locks)

    def atomic_held(self) -> Held | None:
        return next((h for h in reversed(self.locks) if h.atomic), None)

    def add_lock(self, h: Held) -> None:
        self.locks = self.locks + (h,)
        self.released.pop(h.key, None)
        self.unheld = self.unheld - {h.key}
        self.murky = self.murky - {h.key}

    def drop_lock(self, h: Held, line: int) -> None:
        i = len(self.locks) - 1 - self.locks[::-1].index(h)
        self.locks = self.locks[:i] + self.locks[i + 1:]
        self.released[h.key] = line
        self.murky = self.murky - {h.key}
        self.settle_unsure(h.key)

    def settle_unsure(self, key: LockKey) -> None:
        """The path now knows whether `key` was held: its reads made with
        the lock's state unknown are judged (or cleared) here."""
        self.unsure = frozenset(u for u in self.unsure if u[0] != key)

    # --- values ------------------------------------------------------------------
    def add_facts(self, facts: list[Fact]) -> None:
        if facts:
            self.facts = self.facts | frozenset(facts)

    def forget_subject(self, subject: str) -> None:
        """A field holding a dentry was overwritten: what we knew is stale."""
        self.facts = frozenset(f for f in self.facts if f.subject != subject)
        root = root_of(subject)
        self.truth = {k: v for k, v in self.truth.items() if root not in v[1]}
        self.put.pop(subject, None)
        self.parents.pop(subject, None)

    def assign(self, var: str, line: int, rename_locks: bool = True) -> None:
        """`var` gets a new value: forget what was known about the old one."""
        stale = f"{var}@{line}"
        self._forget({var, stale})  # a loop may reach this site again: reuse its name
        self.errs, self.oks, self.owned = self.errs - {var}, self.oks - {var}, \
            self.owned - {var}
        self.maybe_null.pop(var, None)
        self.signs.pop(var, None)
        self.looked.pop(var, None)
        held = frozenset(h.inst for h in self.locks if h.atomic)
        if held:  # what keeps a pointer read under them alive: RACE011
            self.born[var] = held
        else:
            self.born.pop(var, None)
        if self.fogged:
            self.clear = self.clear | {var}
        self.truth = {k: v for k, v in self.truth.items() if var not in v[1]}
        self.valfacts.pop(var, None)
        self.pending.pop(var, None)
        old = self.alias.pop(var, None)
        if old is not None and not rename_locks:
            # The locks stay with the name: they were keyed by its old value
            self.locks = tuple(Held((h.key[0], _rebase(h.key[1], old[0], var)), h.line,
                                    h.shared, h.atomic, h.how) for h in self.locks)
        # keep other names of the old value distinct
        for k, (value, ref) in list(self.alias.items()):
            if root_of(value) == var or (ref is not None and root_of(ref) == var):
                self.alias[k] = (_restale(value, var, stale),
                                 _restale(ref, var, stale) if ref is not None else None)
        if rename_locks and any(root_of(h.key[1]) == var for h in self.locks):
            # `commit = next;` the locks taken through the old value stay on it
            renamed = {h.key: (h.key[0], _restale(h.key[1], var, stale)) for h in self.locks}
            self.locks = tuple(Held(renamed[h.key], h.line, h.shared, h.atomic, h.how)
                               for h in self.locks)


    def _forget(self, roots: set[str]) -> None:
        self.facts = frozenset(f for f in self.facts if root_of(f.subject) not in roots)
        self.put = {k: v for k, v in self.put.items() if root_of(k) not in roots
                    and not any(f"[{r}]" in k for r in roots)}  # `roots[i]` with a new i
        self.derived = {k: v for k, v in self.derived.items()
                        if k not in roots and root_of(v[0]) not in roots}
        self.parents = {k: v for k, v in self.parents.items() if root_of(k) not in roots}
        self.fresh = frozenset(f for f in self.fresh if root_of(f) not in roots)
        self.extra = {k: v for k, v in self.extra.items() if root_of(k) not in roots}
        self.nonnull = frozenset(n for n in self.nonnull if root_of(n) not in roots)


def _restale(value: str, var: str, stale: str) -> str:
    if root_of(value) != var:
        return value
    head = value[: len(value) - len(value.lstrip("&*("))]
    return head + stale + value[len(head) + len(var):]


def _rebase(subject: str, old: str, new: str) -> str:
    """`old->x` -> `new->x` (a lock keyed by a name's former value)."""
    if subject == old or subject.startswith((old + "->", old + ".")):
        return new + subject[len(old):]
    return subject


def _items(d: dict[Any, Any]) -> tuple[tuple[Any, Any], ...]:
    """A map's items in a stable order (for a signature)."""
    return tuple(sorted(d.items())) if d else ()
