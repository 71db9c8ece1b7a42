"""Lock requirements composed through calls, for the tree facts.

A function that, on every path, passes its parameter to a function that
requires a lock on it (`lookup_one_len(name, dir, len)` needs the inode lock
of `dir`; `__d_drop(d)` needs `d->d_lock`), and that can take no lock
itself, requires that lock of its own caller: `my_lookup(dir, name)` is
`lookup_one_len()` as far as the parent lock goes.  Composed up to
MAX_REQUIRE_DEPTH calls, over the requirements the table, sparse's
`__must_hold` and `lockdep_assert_held()` state.

Only what the code proves: a call on some paths only, a function that
calls anything that may take or drop a lock (the table or the tree's facts
say so, its name has "lock" in it: `lock_parent()`, or it calls such a
function of these files, at any depth), and a name with several
definitions that disagree, give no requirement."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from reviewer.checks.race.api import LockSpec
from reviewer.checks.race.cfacts import FnRecord

__all__ = ["MAX_REQUIRE_DEPTH", "compose_requires"]

# Calls up from a stated requirement.  Deeper wrappers are rare, and each
# level is one more chance that a lock is taken in a way we do not see.
MAX_REQUIRE_DEPTH = 3

Key = tuple[str, str]  # (scope, name), as factsolve keys its groups
# (caller, callee) -> the callee's requirements (None: nothing known of it)
Requires = Callable[[FnRecord, str], Sequence[LockSpec] | None]
# (caller, callee) -> calling it may take a lock
MayLock = Callable[[FnRecord, str], bool]


def compose_requires(groups: Mapping[Key, Sequence[FnRecord]], stated: Requires,
                     may_lock: MayLock,
                     target: Callable[[FnRecord, str], Key | None]) -> dict[Key, list[str]]:
    """Requirements (lock spec strings, "inode:0") each function inherits
    from its callees, beyond what `stated` already says of it.  `target`
    resolves a call to the group it reaches (None: outside these files)."""
    lockers = _lockers(groups, may_lock, target)

    def locks(rec: FnRecord, callee: str) -> bool:
        return may_lock(rec, callee) or target(rec, callee) in lockers

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
    """The requirements one definition passes on to its caller."""
    flow = rec.flow
    if flow is None or rec.macro \
            or any(may_lock(rec, c) for c in rec.calls + rec.guarded_calls):
        return set()
    out: set[str] = set()
    for param, callee, pos in flow.must_calls:
        for ls in requires(rec, callee):
            if ls.arg == pos:
                out.add(_spec(ls, param))
    return out


def _lockers(groups: Mapping[Key, Sequence[FnRecord]], may_lock: MayLock,
             target: Callable[[FnRecord, str], Key | None]) -> set[Key]:
    """The functions that may take or drop a lock, directly or through
    functions of these files (whatever the depth: taking a lock is what
    makes a requirement unproven)."""
    callers: dict[Key, set[Key]] = {}
    out: set[Key] = set()
    for key, recs in groups.items():
        for rec in recs:
            for callee in rec.calls + rec.guarded_calls:
                if may_lock(rec, callee):
                    out.add(key)
                elif (t := target(rec, callee)) is not None:
                    callers.setdefault(t, set()).add(key)
    todo = list(out)
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in out:
                out.add(caller)
                todo.append(caller)
    return out


def _spec(ls: LockSpec, param: int) -> str:
    flags = (":shared" if ls.shared else "") + (":dentry" if ls.of_dentry else "")
    return f"{ls.kind}:{param}{ls.path}{flags}"
