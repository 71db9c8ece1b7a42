"""Lock requirements composed through calls, for the tree facts.

A function that passes its parameter, unconditionally (on every path, or
from a statement of its body's top level), to a function that requires a
lock on it (`lookup_one_len(name, dir, len)` needs the inode lock
of `dir`; `__d_drop(d)` needs `d->d_lock`), and that can take no lock
itself, requires that lock of its own caller: `my_lookup(dir, name)` is
`lookup_one_len()` as far as the parent lock goes.  Composed up to
MAX_REQUIRE_DEPTH calls, over the requirements the table, sparse's
`__must_hold` and `lockdep_assert_held()` state.

Only what the code proves: a call under a test, a function that may take
or drop a lock of that kind itself (the table or the tree's facts say so,
or through a function of these files, at any depth) or calls anything
known nowhere whose name has "lock" in it (`lock_parent()`), and a name
with several definitions that disagree, give no requirement."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from reviewer.checks.race.api import LockSpec
from reviewer.checks.race.cfacts import FnRecord

__all__ = ["ANY", "MAX_REQUIRE_DEPTH", "compose_requires", "lock_class"]

# Calls up from a stated requirement.  Deeper wrappers are rare, and each
# level is one more chance that a lock is taken in a way we do not see.
MAX_REQUIRE_DEPTH = 3

Key = tuple[str, str]  # (scope, name), as factsolve keys its groups
# (caller, callee) -> the callee's requirements (None: nothing known of it)
Requires = Callable[[FnRecord, str], Sequence[LockSpec] | None]
# (caller, callee) -> the kinds of lock calling it may take or drop ("*": any)
MayLock = Callable[[FnRecord, str], frozenset[str]]
ANY = "*"
# Kinds that may be one lock under two names: `spin_lock(&d->d_lock)` is
# d_lock; `down_write(&inode->i_rwsem)` is the inode lock.
_CLASS = {"d_lock": "spin", "rwlock": "spin", "bitspin": "spin", "seqlock": "spin",
          "parent_inode": "inode", "rwsem": "inode"}


def lock_class(kind: str) -> str:
    return _CLASS.get(kind, kind)


def compose_requires(groups: Mapping[Key, Sequence[FnRecord]], stated: Requires,
                     may_lock: MayLock,
                     target: Callable[[FnRecord, str], Key | None]) -> dict[Key, list[str]]:
    """Requirements (lock spec strings, "inode:0") each function inherits
    from its callees, beyond what `stated` already says of it.  `target`
    resolves a call to the group it reaches (None: outside these files)."""
    lockers = _Lockers(groups, may_lock, target)

    def locks(rec: FnRecord, callee: str) -> frozenset[str]:
        key = target(rec, callee)
        return may_lock(rec, callee) | lockers.kinds(key) if key else may_lock(rec, callee)

    found: dict[Key, list[str]] = {}

    def requires(rec: FnRecord, callee: str) -> Sequence[LockSpec]:
        own = list(stated(rec, callee) or ())
        key = target(rec, callee)
        if key is not None:
            own += [LockSpec.parse(s, callee) for s in found.get(key, ())]
        return own

    for _ in range(MAX_REQUIRE_DEPTH):
        new: dict[Key, list[str]] = {}
        for key, recs in groups.items():
            common: set[str] | None = None
            for rec in recs:
                mine = _of_record(rec, requires, locks)
                common = mine if common is None else common & mine
            if common and sorted(common) != found.get(key):
                new[key] = sorted(common)
        if not new:
            break
        found.update(new)
    return found


def _of_record(rec: FnRecord, requires: Callable[[FnRecord, str], Sequence[LockSpec]],
               may_lock: MayLock) -> set[str]:
    """The requirements one definition passes on to its caller: none of a
    kind of lock it may take or drop itself."""
    if rec.macro:
        return set()
    wanted = [(ls, param) for param, callee, pos in
              set(rec.top_calls) | set(rec.flow.must_calls if rec.flow else ())
              for ls in requires(rec, callee) if ls.arg == pos]
    if not wanted:
        return set()
    taken = {lock_class(k) for c in rec.calls + rec.guarded_calls for k in may_lock(rec, c)}
    if ANY in taken:
        return set()
    return {_spec(ls, param) for ls, param in wanted if lock_class(ls.kind) not in taken}


class _Lockers:
    """The kinds of lock each function may take or drop, directly or through
    functions of these files, whatever the depth (taking a lock is what
    makes a requirement unproven); computed for the functions asked about
    and what they reach, once."""

    def __init__(self, groups: Mapping[Key, Sequence[FnRecord]], may_lock: MayLock,
                 target: Callable[[FnRecord, str], Key | None]) -> None:
        self.groups, self.may_lock, self.target = groups, may_lock, target
        self.done: dict[Key, frozenset[str]] = {}

    def kinds(self, key: Key) -> frozenset[str]:
        if key not in self.done:
            self._solve(key)
        return self.done[key]

    def _solve(self, start: Key) -> None:
        own: dict[Key, set[str]] = {}
        callees: dict[Key, set[Key]] = {}
        todo = [start]
        while todo:  # what `start` reaches and is not solved yet
            key = todo.pop()
            if key in own or key in self.done:
                continue
            own[key], callees[key] = set(), set()
            for rec in self.groups.get(key, ()):
                for callee in rec.calls + rec.guarded_calls:
                    own[key] |= self.may_lock(rec, callee)
                    if (t := self.target(rec, callee)) is not None:
                        callees[key].add(t)
                        todo.append(t)
        changed = True
        while changed:
            changed = False
            for key, kinds in own.items():
                for t in callees[key]:
                    more = self.done.get(t) if t in self.done else own.get(t, set())
                    if more and not more <= kinds:
                        kinds |= more
                        changed = True
        self.done.update((k, frozenset(v)) for k, v in own.items())


def _spec(ls: LockSpec, param: int) -> str:
    flags = (":shared" if ls.shared else "") + (":dentry" if ls.of_dentry else "")
    return f"{ls.kind}:{param}{ls.path}{flags}"
