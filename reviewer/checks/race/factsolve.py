"""From every file's local facts (cfacts.py) to kernel API entries: callees
resolved by C's scoping, sleeping spread to callers (a bounded number of
calls up), gfp parameters, puts and returned references through other
files' functions, and sparse annotations given their lock kind.

The API given is the starting knowledge: the shipped table, and for a
directory's set the core set's facts (a callee it describes is taken as it
says); the result is in the table's own shape, entries only for
functions with at least one fact, keyed by (scope, name): scope "" is
global, a path is one .c file's static functions, a directory ("fs/btrfs/")
its private headers' static inlines."""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from reviewer.checks.race.api import FnSpec, KernelApi, LockSpec
from reviewer.checks.race.cfacts import FileFacts, FnRecord
from reviewer.checks.race.reqsolve import ANY, compose_requires

__all__ = ["MAX_SLEEP_DEPTH", "Derived", "resolve", "scope_of", "scopes_for"]

T = TypeVar("T")

# How many calls up from a proven sleeper `sleeps` spreads.  Deeper chains
# mostly pass through code that sleeps only in some configuration or mode.
MAX_SLEEP_DEPTH = 4

Key = tuple[str, str]  # (scope, name)
Derived = dict[Key, dict[str, Any]]


def scope_of(path: str, static: bool) -> str:
    if not static or path.startswith("include/") or "/include/" in path:
        return ""
    return path if path.endswith(".c") else posixpath.dirname(path) + "/"


@lru_cache(maxsize=65536)
def scopes_for(path: str) -> tuple[str, ...]:
    """The scopes a file sees, most local first."""
    return (path, posixpath.dirname(path) + "/", "")


@dataclass
class _Group:
    """All definitions of one name in one scope (#ifdef variants, arches)."""

    key: Key
    recs: list[FnRecord] = field(default_factory=list)
    gfp_arg: int | None = None
    sleeps: bool = False
    puts: int | None = None
    returns_ref: bool = False
    alias_arg: int | None = None
    requires: list[str] = field(default_factory=list)  # composed through calls


class _Solver:
    def __init__(self, files: Iterable[FileFacts], api: KernelApi) -> None:
        self.api = api
        self.groups: dict[Key, _Group] = {}
        kinds: dict[str, set[str]] = {}
        for f in files:
            for rec in f.records:
                key = (scope_of(rec.path, rec.static), rec.name)
                self.groups.setdefault(key, _Group(key)).recs.append(rec)
            for fld, kind in f.lock_fields:
                kinds.setdefault(fld, set()).add(kind)
        self.field_kind = {f: next(iter(k)) for f, k in kinds.items() if len(k) == 1}
        self.why: dict[Key, Key | str] = {}  # what made each function sleep
        self._targets: dict[tuple[str, str], _Group | None] = {}

    def target(self, caller: FnRecord, name: str) -> _Group | None:
        k = (caller.path, name)
        if k not in self._targets:
            self._targets[k] = next((g for s in scopes_for(caller.path)
                                     if (g := self.groups.get((s, name))) is not None), None)
        return self._targets[k]

    def known(self, caller: FnRecord, name: str) -> FnSpec | None:
        """What `api` says of a callee (the table, and the facts of a set
        resolved before), unless a static of the caller's scope hides it."""
        g = self.target(caller, name)
        return self.api.get(name) if g is None or g.key[0] == "" else None

    def callee(self, caller: FnRecord, name: str, key: str) -> Any:
        """A callee's `key` (gfp_arg, puts, returns_ref): what `api` says,
        else what was derived here so far."""
        spec = self.known(caller, name)
        value = getattr(spec, key) if spec is not None else None
        if value is not None and value is not False:
            return value
        g = self.target(caller, name)
        return getattr(g, key) if g is not None else None

    # --- gfp ------------------------------------------------------------------------
    def solve_gfp(self) -> None:
        candidates = [g for g in self.groups.values()
                      if any(r.gfp_fwd or r.gfp_sleeps for r in g.recs)]
        changed = True
        while changed:
            changed = False
            for g in candidates:
                args = {a for r in g.recs if (a := self._gfp_of(r)) is not None}
                new = args.pop() if len(args) == 1 else None
                if new is not None and new != g.gfp_arg:
                    g.gfp_arg, changed = new, True

    def _gfp_of(self, rec: FnRecord) -> int | None:
        if rec.gfp is not None and rec.gfp_sleeps:
            return rec.gfp
        for callee, pos, param in rec.gfp_fwd:
            if (rec.gfp is None or param == rec.gfp) and self.callee(rec, callee, "gfp_arg") == pos:
                return param
        return None

    # --- sleeping -------------------------------------------------------------------
    def solve_sleeps(self) -> None:
        """Breadth-first from proven sleepers up to MAX_SLEEP_DEPTH calls.
        A name with several definitions sleeps only when each of them does
        (a `!CONFIG_*` stub that cannot sleep says the call may not)."""
        callers: dict[Key, list[tuple[_Group, int]]] = {}
        rec_depth: dict[tuple[Key, int], int] = {}
        depth: dict[Key, int] = {}
        for g in self.groups.values():
            for i, rec in enumerate(g.recs):
                for name in rec.calls:
                    t = self.target(rec, name)
                    callers.setdefault(t.key if t else ("", name), []).append((g, i))
                if self._sleeps_itself(rec):
                    rec_depth[(g.key, i)] = 0
        for key in callers:
            spec = self.api.get(key[1]) if key[0] == "" else None
            if spec is not None and spec.sleeps:
                depth[key] = 0
                self.why[key] = "known"
        for g in self.groups.values():
            if g.key not in depth and self._may_sleep(g) \
                    and all((g.key, i) in rec_depth for i in range(len(g.recs))):
                depth[g.key] = 0
                self.why[g.key] = "itself"
        todo = deque(sorted(depth, key=lambda k: depth[k]))
        while todo:
            key = todo.popleft()
            if depth[key] >= MAX_SLEEP_DEPTH:
                continue
            for g, i in callers.get(key, []):
                if g.key in depth or (g.key, i) in rec_depth or not self._may_sleep(g):
                    continue
                rec_depth[(g.key, i)] = depth[key] + 1
                if all((g.key, j) in rec_depth for j in range(len(g.recs))):
                    depth[g.key] = max(rec_depth[(g.key, j)] for j in range(len(g.recs)))
                    self.why[g.key] = key
                    todo.append(g.key)
        for key in depth:
            if key in self.groups:
                self.groups[key].sleeps = True

    def _sleeps_itself(self, rec: FnRecord) -> bool:
        return rec.sleeps or any(self.callee(rec, c, "gfp_arg") == pos for c, pos in rec.gfp_calls)

    def _may_sleep(self, g: _Group) -> bool:
        """Allocators (a gfp_t parameter) sleep as their caller's flags say;
        the table's `sleeps = false` is final."""
        table = self.api.raw.get("functions", {}).get(g.key[1], {}) if g.key[0] == "" else {}
        if table.get("sleeps") is False:
            return False
        return g.gfp_arg is None and all(r.gfp is None for r in g.recs)

    # --- references -----------------------------------------------------------------
    def solve_refs(self) -> None:
        changed = True
        while changed:
            changed = False
            for g in self.groups.values():
                puts = self._puts(g)
                if puts != g.puts:
                    g.puts, changed = puts, True
                ref, alias = self._returns(g)
                if (ref, alias) != (g.returns_ref, g.alias_arg):
                    g.returns_ref, g.alias_arg, changed = ref, alias, True

    def _puts(self, g: _Group) -> int | None:
        common: set[int] | None = None
        for rec in g.recs:
            if rec.flow is None:
                return None
            # a put `api` knows is in the flow already, weighed against the gets
            mine = set(rec.flow.puts) | {
                p for p, callee, pos in rec.flow.must_calls
                if getattr(self.known(rec, callee), "puts", None) is None
                and self.callee(rec, callee, "puts") == pos}
            common = mine if common is None else common & mine
        return min(common) if common else None

    def _returns(self, g: _Group) -> tuple[bool, int | None]:
        params: set[int] = set()
        for rec in g.recs:
            flow = rec.flow
            if flow is None or flow.ret_other or not (flow.ret_calls or flow.ret_params):
                return False, None
            if not all(self.callee(rec, c, "returns_ref") for c in flow.ret_calls):
                return False, None
            params |= set(flow.ret_params) | ({-1} if flow.ret_calls else set())
        return True, params.pop() if len(params) == 1 and -1 not in params else None

    # --- requirements ---------------------------------------------------------------
    def solve_requires(self) -> None:
        groups = {k: g.recs for k, g in self.groups.items()}
        for key, specs in compose_requires(groups, _per_file(self._stated),
                                           _per_file(self._may_lock), self._target_key).items():
            self.groups[key].requires = specs

    def _stated(self, caller: FnRecord, name: str) -> list[LockSpec] | None:
        """A callee's requirements as the table, a set resolved before, or
        its own annotations say."""
        spec = self.known(caller, name)
        out = list(spec.requires) if spec is not None else []
        g = self.target(caller, name)
        if g is not None and any(r.notes for r in g.recs):
            out += [LockSpec.parse(s, name) for s in self.locks(g).get("requires", [])]
        return out or None

    def _may_lock(self, caller: FnRecord, name: str) -> frozenset[str]:
        """The kinds of lock calling `name` may take or drop: as the table
        or a set resolved before says, as its definitions here do on every
        path (reqsolve follows their calls for the rest), or, known
        nowhere, any when its name says so (`lock_parent`)."""
        spec = self.known(caller, name)
        g = self.target(caller, name)
        kinds = {ls.kind for ls in spec.acquires + spec.releases + spec.takes} \
            if spec is not None else set()
        if g is not None:
            kinds |= {lock[0] for r in g.recs if r.flow is not None
                      for lock in r.flow.acquires + r.flow.releases}
        elif spec is None and "lock" in name.lower():
            kinds.add(ANY)
        return frozenset(kinds)

    def _target_key(self, caller: FnRecord, name: str) -> Key | None:
        g = self.target(caller, name)
        return g.key if g is not None else None

    # --- locks ----------------------------------------------------------------------
    def locks(self, g: _Group) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        flows = [r.flow for r in g.recs]
        if flows and all(f is not None for f in flows):
            acq = set.intersection(*(set(f.acquires) for f in flows if f is not None))
            rel = set.intersection(*(set(f.releases) for f in flows if f is not None))
            out["acquires"] = [_spec(k, p, path) + (":shared" if sh else "")
                               for k, p, path, sh in sorted(acq)]
            out["releases"] = [_spec(k, p, path) for k, p, path in sorted(rel)]
        for what, key in (("__acquires", "acquires"), ("__releases", "releases"),
                          ("__must_hold", "requires")):
            for rec in g.recs:
                for note, p, path in rec.notes:
                    spec = self._noted(p, path, requires=key == "requires")
                    if note == what and spec is not None and spec not in out.get(key, []):
                        out.setdefault(key, []).append(spec)
        return {k: v for k, v in out.items() if v}

    def _noted(self, param: int, path: str, requires: bool) -> str | None:
        """A lock named by an annotation, given its kind (from its field name)."""
        fld = path.replace(".", "->").rsplit("->", 1)[-1]
        prefix = path[: len(path) - len(fld)].removesuffix("->").removesuffix(".")
        if fld in self.api.d_lock_fields and requires and not prefix:
            return f"d_lock:{param}"
        if fld in self.api.inode_lock_fields and not prefix:
            return f"inode:{param}"
        kind = self.field_kind.get(fld)
        return _spec(kind, param, path) if kind and path else None

    # --- output ---------------------------------------------------------------------
    def entries(self) -> Derived:
        out: Derived = {}
        for key, g in self.groups.items():
            entry: dict[str, Any] = {}
            if g.sleeps:
                entry["sleeps"] = True
            if g.gfp_arg is not None:
                entry["gfp_arg"] = g.gfp_arg
            if g.puts is not None:
                entry["puts"] = g.puts
            if g.returns_ref:
                entry["returns_ref"] = True
                if g.alias_arg is not None:
                    entry["alias_arg"] = g.alias_arg
            entry.update(self.locks(g))
            if g.requires:
                entry["requires"] = sorted(set(entry.get("requires", [])) | set(g.requires))
            if entry:
                out[key] = entry
        return out


def _spec(kind: str, param: int, path: str) -> str:
    return f"{kind}:{param}{path}"


def _per_file(compute: Callable[[FnRecord, str], T]) -> Callable[[FnRecord, str], T]:
    """`compute(caller, name)` remembered per (caller's file, name): what a
    name means depends only on the file it is called from."""
    memo: dict[tuple[str, str], T] = {}

    def get(caller: FnRecord, name: str) -> T:
        key = (caller.path, name)
        if key not in memo:
            memo[key] = compute(caller, name)
        return memo[key]

    return get


def resolve(files: Iterable[FileFacts], api: KernelApi,
            why: dict[Key, Key | str] | None = None) -> Derived:
    """Entries for every function with a fact; `why`, when given, receives
    what made each sleeping function sleep (a callee's key, or "itself")."""
    solver = _Solver(files, api)
    solver.solve_gfp()
    solver.solve_sleeps()
    solver.solve_refs()
    solver.solve_requires()
    if why is not None:
        why.update(solver.why)
    return solver.entries()
