"""The per-function context the rules report into, and their hits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from reviewer.checks.race.state import Fact, LockKey, State

__all__ = ["FnContext", "Hit", "Release", "control_dependent"]


@dataclass(frozen=True)
class Hit:
    code: str
    line: int
    subject: str
    message: str
    related: tuple[int, ...] = ()


@dataclass(frozen=True)
class Release:
    """A helper of the file releases its caller's lock on argument `arg`
    (the lock `kind` of `arg` + `suffix`; arg -1: a lock of no object, as
    RCU's), on every path or only on some, or may return holding it."""

    arg: int
    kind: str
    suffix: str
    always: bool
    taken: bool = False  # it may also return holding it (start_creating())


@dataclass
class FnContext:
    name: str
    entry_keys: set[LockKey] = field(default_factory=set)  # held by the caller
    acquired_keys: set[LockKey] = field(default_factory=set)  # taken somewhere in the body
    released_keys: set[LockKey] = field(default_factory=set)  # dropped in it (or its removed lines)
    inferred_keys: set[LockKey] = field(default_factory=set)  # entry holds we only guess
    params: set[str] = field(default_factory=set)  # the parameters' names
    dentry_params: set[str] = field(default_factory=set)  # `struct dentry *` parameters
    var_types: dict[str, str] = field(default_factory=dict)  # parameter/local -> its type
    const_dentries: set[str] = field(default_factory=set)  # `const struct dentry *` params
    returns_locked: bool = False  # __acquires() or a *lock* name: may return holding
    assumes_locked: bool = False  # *_locked: the caller holds what it needs
    hits: dict[tuple[str, int, str], Hit] = field(default_factory=dict)
    # what the function's removed lines said (removed.py): field -> the lock
    # read under; line of a put -> fields the patch no longer clears after it
    protected: dict[str, LockKey] = field(default_factory=dict)
    cleared: dict[int, set[str]] = field(default_factory=dict)
    read_once: set[str] = field(default_factory=set)  # values they read locklessly
    unlocked: list[tuple[int, int, LockKey]] = field(default_factory=list)  # unlocked_spans()
    dropped_gets: dict[int, list[str]] = field(default_factory=dict)  # anchor -> gets
    got_objects: dict[int, set[str]] = field(default_factory=dict)  # anchor -> objects
    got_lines: set[int] = field(default_factory=set)  # lines taking a reference here
    dropped_tests: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    state_tested: dict[tuple[str, str], int] = field(default_factory=dict)  # -> last line
    removed_releases: dict[int, dict[LockKey, str]] = field(default_factory=dict)
    asserted: set[str] = field(default_factory=set)  # lockdep_assert_held() objects
    # (line, label or None for a return, lock, removed release, its anchor)
    jumps: list[tuple[int, str | None, LockKey, str, int]] = field(default_factory=list)
    # called with (callee, arguments, state) at each call (callers.py)
    call_hook: Callable[[str, list[Node], State], None] | None = None
    # callee name -> the locks it releases for its caller
    callee_releases: Callable[[str], list[Release]] = lambda name: []

    def hit(self, h: Hit) -> None:
        """One hit per rule, line and subject; the lines it relates to, from
        every path that reached it, are kept (the change may be on any)."""
        key = (h.code, h.line, h.subject)
        old = self.hits.get(key)
        if old is None:
            self.hits[key] = h
        elif not set(h.related) <= set(old.related):
            self.hits[key] = replace(old, related=old.related + tuple(
                r for r in h.related if r not in old.related))


def control_dependent(f: Fact, peers: Sequence[State]) -> bool:
    """Is the current statement reached only through `f`'s outcome (control
    dependent on the decision), rather than whatever it decided?"""
    seen = {g.polarity for p in peers for g in p.facts
            if g.decision == f.decision and g.subject == f.subject and g.kind == f.kind}
    return seen == {f.polarity}
