"""Bisectability of API changes: a patch that changes a function's number of
parameters, or removes it, must update every caller in the same patch."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reviewer import cparse
from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Patch, Revision, Series, Severity
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo
from reviewer.tree.gitscan import grep_files_async

_C_FILES = (".c", ".h")


@dataclass(frozen=True)
class ApiChange:
    patch: int
    name: str
    old_arity: int
    new_arity: int | None  # None: the function was removed
    file: str
    line: int | None

    def describe(self) -> str:
        if self.new_arity is None:
            return f"removes {self.name}()"
        return f"changes {self.name}() from {self.old_arity} to {self.new_arity} parameters"


def _arities(text: str) -> dict[str, int]:
    return {p.name: p.nparams for p in cparse.prototypes(text) if not p.variadic}


def api_changes(patch: Patch) -> list[ApiChange]:
    """Signature changes and removals the patch's hunks show."""
    before: dict[str, tuple[int, str]] = {}
    after: dict[str, tuple[int, str, int]] = {}
    for change in patch.files:
        if not change.path.endswith(_C_FILES):
            continue
        for hunk in change.hunks:
            for name, n in _arities(hunk.pre_image()).items():
                before.setdefault(name, (n, change.path))
            for p in cparse.prototypes(hunk.post_image()):
                after.setdefault(p.name, (p.nparams, change.path, hunk.new_start + p.line - 1))
    out: list[ApiChange] = []
    for name, (old, path) in before.items():
        if name in after and after[name][0] != old:
            _n, file, line = after[name]
            out.append(ApiChange(patch.index, name, old, after[name][0], file, line))
        elif name not in after:
            out.append(ApiChange(patch.index, name, old, None, path, None))
    return out


def _updates_callers(patch: Patch, change: ApiChange) -> bool:
    """Does the patch rewrite a call that used the old form?"""
    for f in patch.files:
        for hunk in f.hunks if f.path.endswith(_C_FILES) else ():
            def old_form(text: str) -> int:
                return sum(c.name == change.name and c.nargs == change.old_arity
                           for c in cparse.calls(text))

            if old_form(hunk.pre_image()) > old_form(hunk.post_image()):
                return True
    return False


def _old_form_calls(data: bytes, name: str) -> list[tuple[int, int]]:
    """(line, argument count) of each call `name(...)`: tree-sitter is asked
    about each textual occurrence only, not walked over the whole file."""
    found = list(re.finditer(rb"\b" + re.escape(name.encode()) + rb"\b", data))
    if not found:  # a file the series' grep found for another function
        return []
    tree = cparse.parse(data)
    out: list[tuple[int, int]] = []
    for m in found:
        node = tree.root_node.descendant_for_byte_range(m.start(), m.end())
        call = node.parent if node is not None and node.type == "identifier" else None
        callee = call.child_by_field_name("function") if call is not None else None
        if call is None or call.type != "call_expression" or callee is None \
                or callee.start_byte != m.start():
            continue
        args = call.child_by_field_name("arguments")
        nargs = sum(a.type != "comment" for a in args.named_children) if args else 0
        out.append((call.start_point.row + 1, nargs))
    return out


# Base greps started ahead of need: (git dir, base, names) → wait for the files.
# Kept for the process (a few file names each), so no grep runs twice.
_PREFETCHED: dict[tuple[str, str, tuple[str, ...]], Callable[[], list[str]]] = {}
_GLOBS = tuple(f"*{e}" for e in _C_FILES)
_LOCK = threading.Lock()


def _changed_names(revisions: Iterable[Revision]) -> tuple[str, ...]:
    return tuple(sorted({c.name for rev in revisions for p in rev.patches
                         for c in api_changes(p)}))


def _start(repo: GitRepo, base: str, names: tuple[str, ...],
           store: Path | None) -> Callable[[], list[str]]:
    key = (str(repo.git_dir), base, names)
    with _LOCK:  # revisions are checked in parallel threads
        if key not in _PREFETCHED:
            _PREFETCHED[key] = _shared_grep(repo, base, names, store)
        return _PREFETCHED[key]


def _shared_grep(repo: GitRepo, base: str, names: tuple[str, ...],
                 store: Path | None) -> Callable[[], list[str]]:
    """The base grep for `names`, run once among the processes sharing the
    cache at `store` (the run's check workers, each checking a revision of
    the same series): the first to start greps and keeps the files there,
    the others wait for its turn to end and read them."""
    def grep() -> Callable[[], list[str]]:
        return grep_files_async(repo, base, list(names), _GLOBS)

    if store is None:
        return grep()
    key = f"base-grep {repo.git_dir} {base} {' '.join(_GLOBS)}: {' '.join(names)}"
    db = ResultCache(store)
    try:
        if (hit := db.get_json(key)) is not None:
            return lambda: list(hit)
        turn = db.turn("grep")
        if not turn.take(block=False):
            def theirs() -> list[str]:
                with turn:
                    found = ResultCache(store).get_json(key)
                return list(found) if found is not None else grep()()  # their grep failed
            return _once(theirs)
        wait = grep()
    finally:
        db.close()

    def ours() -> list[str]:
        try:
            files = wait()
            keep = ResultCache(store)
            keep.put_json(key, "base-grep", files)
            keep.close()
        finally:
            turn.release()
        return files
    return _once(ours)


def _once(compute: Callable[[], list[str]]) -> Callable[[], list[str]]:
    """`compute`, run by the first of any number of waiters, in any threads."""
    lock, done = threading.Lock(), list[list[str]]()

    def wait() -> list[str]:
        with lock:
            if not done:
                done.append(compute())
        return done[0]
    return wait


def prefetch(repo: GitRepo, series: Series, base: str, store: Path | None) -> None:
    """Start the base grep for the functions any revision of `series`
    changes the API of, in the background: it reads every C blob of the
    base (seconds on a full kernel) while the other rules run, once for all
    the revisions.  Called by the rule itself and, earlier still, by the
    run (reviewer.run) before a revision's rules."""
    if names := _changed_names(series.revisions):
        _start(repo, base, names, store)


def _candidates(ctx: CheckContext, commit: str) -> set[str]:
    """C files of the base that name any function a revision of the series
    changes: one `git grep` over the base; after that only these files and
    the ones the patches touch can hold a caller."""
    def grep() -> set[str]:
        assert ctx.repo is not None
        return set(_start(ctx.repo, commit, _changed_names(ctx.data.series.revisions),
                          _store(ctx))())

    return ctx.memo(f"bisect-candidates {commit}", grep)


def _store(ctx: CheckContext) -> Path | None:
    return ctx.data.cache.path if ctx.data.cache is not None else None


def _stale_callers(ctx: CheckContext, change: ApiChange, after: int) -> list[str]:
    """file:line of calls still using the old form in the tree after patch `after`."""
    repo, res = ctx.repo, ctx.data.apply
    commit = res.commit_after(after) if res else None
    if repo is None or commit is None or ctx.base is None:
        return []
    ctx.used_tree = True
    touched = {f.path for p in ctx.revision.patches if p.index <= after for f in p.files
               if f.path.endswith(_C_FILES)}
    paths = sorted(_candidates(ctx, ctx.base) | touched)
    parsed: dict[tuple[str, str], list[tuple[int, int]]] = ctx.memo("bisect-parsed", dict)
    stale: list[str] = []
    for path, blob in repo.blob_ids(commit, paths).items():
        if (blob, change.name) not in parsed:  # each version of a file is parsed once
            parsed[blob, change.name] = _old_form_calls(repo.read_blob(blob), change.name)
        stale += [f"{path}:{line}" for line, nargs in parsed[blob, change.name]
                  if nargs == change.old_arity]
    return stale


@rule("POL012", "not-bisectable", Severity.ERROR, Scope.SERIES, version=2)
def not_bisectable(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch that changes the number of parameters of a function, or
    removes a function, while callers are only converted by later patches
    of the series (or never): the tree does not build between the two.
    One finding per patch that breaks the build, covering every patch
    that does not build, with each changed function's range.  Without a tree it reads
    the declarations and call sites in the hunks; with the applied tree it
    looks for remaining callers with the old arity after each patch.

    ## Why is this bad?
    Every commit must build: `git bisect` lands on any of them, and a
    broken one makes a bisection of an unrelated bug fail or lie.

    ## Example
    ```
    [PATCH 1/3] vfs: add a flags argument to lookup_one_len_unlocked()
    [PATCH 2/3] cifs: pass 0 flags
    [PATCH 3/3] nfsd: pass 0 flags
    ```
    Use instead: change the prototype and convert every caller in one
    patch, then use the new argument in the following patches.
    """
    if ctx.applied and ctx.repo is not None and ctx.base is not None:
        prefetch(ctx.repo, ctx.data.series, ctx.base, _store(ctx))
    for patch in ctx.revision.patches:
        broken = [(change, found) for change in api_changes(patch)
                  if (found := _broken(ctx, change))]
        if not broken:
            continue
        first = broken[0][0]
        covered = sorted({k for _c, found in broken for k in found})
        yield ctx.report("; ".join(_why(ctx, change, found) for change, found in broken),
                         patch=patch.index, file=first.file, line=first.line,
                         key="api " + ",".join(sorted(c.name for c, _f in broken)),
                         level="tree" if ctx.applied else "diff", patches=tuple(covered))


def _broken(ctx: CheckContext, change: ApiChange) -> list[int]:
    """The patches after which the tree does not build because of `change`."""
    patches = ctx.revision.patches
    if ctx.applied:
        return [p.index for p in patches if p.index >= change.patch
                and _stale_callers(ctx, change, p.index)]
    fixers = [p.index for p in patches if p.index > change.patch and _updates_callers(p, change)]
    return list(range(change.patch, max(fixers))) if fixers else []


def _why(ctx: CheckContext, change: ApiChange, broken: list[int]) -> str:
    total, last = ctx.revision.expected, ctx.revision.patches[-1].index
    first, worst = broken[0], broken[-1]
    if worst == last and ctx.applied:
        stale = _stale_callers(ctx, change, last)
        return (f"{change.describe()}; callers with the old form remain after the whole series: "
                f"{', '.join(stale[:5])}")
    return (f"{change.describe()}; callers are only converted later, so {first}/{total} to "
            f"{worst}/{total} do not build")
