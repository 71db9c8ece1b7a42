"""Kernel facts derived from the revision's base tree, once per tree.

The race rules ask `api_for(ctx)` for their kernel API.  With a tree and a
base commit, that is the shipped table over what the tree's own source says
its helpers do (cfacts.py reads each file, factsolve.py joins them): derived
< table < user config.  The facts are computed once per base *tree* (a
re-import of the same tree hits) over the directories the kernel's common
helpers live in, in parallel, and kept in the user's cache, written whole at
the end: Ctrl-C or `cancel()` leaves nothing behind.  Without a cache they
are kept for this process only."""

from __future__ import annotations

import json
import multiprocessing
import os
import posixpath
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from reviewer.checks.context import CheckContext
from reviewer.checks.race.api import KernelApi, default_api, load_api
from reviewer.checks.race.cfacts import FileFacts, extract
from reviewer.checks.race.factsolve import Derived, resolve, scopes_for
from reviewer.errors import ReviewerError
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo
from reviewer.tree.gitscan import cat_blobs

__all__ = ["CORE", "FACTS_VERSION", "Cancelled", "TreeFacts", "api_for", "cancel", "derive",
           "extra_dirs", "facts_progress", "list_files", "read_files", "set_key", "set_processes",
           "tree_facts"]

FACTS_VERSION = 3  # 2: requirements composed through calls (reqsolve.py); 3: a put
# the table knows is weighed against the gets only once (factsolve.py)
# The core set: where the helpers everyone calls are defined (tree-wide
# headers, the VFS, mm, the core kernel); "DIR/*" is DIR's own files only,
# "!DIR" leaves DIR out (device headers, tracing, bpf, compressors, fonts,
# the sanitizers' instrumentation).  Each directory a revision touches
# outside it gets a set of its own.
CORE = ("include/linux", "include/net", "include/asm-generic", "fs/*", "mm", "kernel", "lib",
        "block", "security/*", "ipc", "init",
        "!include/linux/mfd", "!include/linux/platform_data", "!include/linux/mlx5",
        "!include/linux/qed", "!include/linux/mtd", "!include/linux/soc",
        "!kernel/trace", "!kernel/bpf", "!kernel/events", "!kernel/debug", "!kernel/gcov",
        "!kernel/kcsan", "!mm/kasan", "!mm/kmsan", "!mm/kfence", "!mm/damon", "!lib/zstd",
        "!lib/fonts", "!lib/crypto", "!lib/mpi", "!lib/raid6", "!lib/zlib_deflate",
        "!lib/zlib_inflate", "!lib/xz", "!lib/lz4", "!lib/kunit", "!lib/reed_solomon")
_WHOLE = frozenset({"fs", "security", "net", "sound", "crypto", "virt"})
_SUFFIXES = (".c", ".h")
_BATCH_BYTES = 1 << 20

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)
_PROGRESS: list[Progress] = []
_CANCEL = threading.Event()
_COMPUTING = threading.Lock()  # one computation per process; others wait for it
_MEMORY: dict[str, dict[str, list[tuple[str, str]]]] = {}  # sets kept without a cache
_PROCESSES: list[int] = []  # how many processes a derivation may use (set_processes)


class Cancelled(Exception):
    """The computation was cancelled; nothing was stored."""


@contextmanager
def facts_progress(report: Progress) -> Iterator[None]:
    """Report a long computation's progress to `report` meanwhile."""
    _PROGRESS.append(report)
    try:
        yield
    finally:
        _PROGRESS.remove(report)


def set_processes(count: int) -> None:
    """Derive in at most `count` processes from now on (1: in this one), for
    a process that shares the cores with others already: a run's check
    workers (reviewer.run.pool)."""
    _PROCESSES[:] = [max(1, count)]


def cancel() -> None:
    """Stop a computation under way (from any thread): nothing is stored."""
    _CANCEL.set()


Lookup = Callable[[str], list[tuple[str, str]]]  # name -> [(scope, spec JSON)]


@dataclass(frozen=True)
class TreeFacts:
    """One tree's derived facts, as seen from the files a revision touches:
    their own statics first, then the sets in order (the touched
    directories', then the core's)."""

    keys: tuple[str, ...]
    paths: tuple[str, ...]
    lookups: tuple[Lookup, ...]

    def raw(self, name: str) -> Mapping[str, Any] | None:
        found = [dict(lookup(name)) for lookup in self.lookups]
        for path in self.paths:
            for scope in scopes_for(path)[:-1]:
                for rows in found:
                    if scope in rows:
                        return _loads(rows[scope])
        return next((_loads(rows[""]) for rows in found if "" in rows), None)


def _loads(text: str) -> Mapping[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def api_for(ctx: CheckContext) -> KernelApi:
    """The kernel API a race rule uses for this revision."""
    api = load_api(ctx.config.race_api)
    if ctx.repo is None or ctx.base is None or not ctx.config.tree_facts:
        return api
    paths = tuple(c.path for p in ctx.revision.patches for c in p.files
                  if c.path.endswith(_SUFFIXES))
    try:
        facts = tree_facts(ctx.repo, ctx.base, ctx.data.cache, paths)
    except (ReviewerError, OSError):  # facts only add knowledge: the table alone
        return api
    return api.with_facts(facts)


def set_key(repo: GitRepo, commit: str, part: str = "core") -> str:
    """A set's cache key: the base tree, the derivation's version, the part."""
    return f"{repo.tree_id(commit)}:v{FACTS_VERSION}:{part}"


def extra_dirs(paths: Sequence[str]) -> list[str]:
    """The directories outside CORE whose facts a revision touching `paths`
    needs: a file system, LSM or protocol as a whole (fs/btrfs), else the
    file's own directory (drivers/...)."""
    out: list[str] = []
    for path in paths:
        parts = path.split("/")
        if len(parts) < 2 or _covers(CORE, path):
            continue
        d = "/".join(parts[:2]) if parts[0] in _WHOLE and len(parts) > 2 \
            else posixpath.dirname(path)
        if d and d not in out:
            out.append(d)
    return out


def _covers(dirs: Sequence[str], path: str) -> bool:
    if any(path.startswith(d[1:] + "/") for d in dirs if d.startswith("!")):
        return False
    return any(posixpath.dirname(path) == d[:-2] if d.endswith("/*")
               else path.startswith(d + "/") for d in dirs if not d.startswith("!"))


def tree_facts(repo: GitRepo, commit: str, cache: ResultCache | None,
               paths: Sequence[str] = ()) -> TreeFacts:
    """The facts of `commit`'s tree for a revision touching `paths`: the
    core set and one per directory outside it, each computed now unless
    stored."""
    core_key = set_key(repo, commit)
    # One process at a time derives (the run's check workers, two runs at
    # once): the others wait, then read the sets it stored.
    with _COMPUTING, cache.turn("facts") if cache is not None else nullcontext():
        core = _ensure(cache, core_key, lambda: derive(repo, commit))
        sets = [core]
        keys = [core_key]
        for d in extra_dirs(paths):
            key = set_key(repo, commit, d)
            below = default_api().with_facts(TreeFacts((core_key,), (), (core,)))
            sets.insert(0, _ensure(cache, key, lambda d=d, below=below: resolve(  # type: ignore[misc]
                read_files(repo, commit, (d,)), below)))
            keys.insert(0, key)
    return TreeFacts(tuple(keys), tuple(paths), tuple(sets))


def _ensure(cache: ResultCache | None, key: str, compute: Callable[[], Derived]) -> Lookup:
    """A set's lookup, computing and storing the set first when needed."""
    if key not in _MEMORY and (cache is None or cache.tree_facts_summary(key) is None):
        started = time.monotonic()
        derived = compute()
        summary = {"functions": len(derived), "seconds": round(time.monotonic() - started, 1)}
        if cache is None or not cache.put_tree_facts(key, _rows(derived), summary):
            by_name: dict[str, list[tuple[str, str]]] = {}
            for name, scope, spec in _rows(derived):
                by_name.setdefault(name, []).append((scope, spec))
            _MEMORY[key] = by_name
    if key in _MEMORY:
        mem = _MEMORY[key]
        return lambda name: mem.get(name, [])
    assert cache is not None
    return lambda name: cache.tree_facts(key, name)


def _rows(derived: Derived) -> Iterator[tuple[str, str, str]]:
    for (scope, name), entry in derived.items():
        yield name, scope, json.dumps(entry, sort_keys=True)


def derive(repo: GitRepo, commit: str, dirs: Sequence[str] = CORE,
           workers: int | None = None) -> Derived:
    """Read every C file under `dirs` at `commit` and resolve their facts
    over the table alone (raises Cancelled after `cancel()`)."""
    return resolve(read_files(repo, commit, dirs, workers), default_api())


def read_files(repo: GitRepo, commit: str, dirs: Sequence[str] = CORE,
               workers: int | None = None) -> list[FileFacts]:
    """Every C file's local facts, read in `workers` processes."""
    _CANCEL.clear()
    files = list_files(repo, commit, dirs)
    total = sum(size for _, _, size in files)
    batches = _batches(files)
    results: list[FileFacts] = []
    done = 0
    workers = workers or (_PROCESSES or [min(os.cpu_count() or 1, 4)])[0]
    if workers <= 1 or len(batches) <= 1:
        for batch in batches:
            if _CANCEL.is_set():
                raise Cancelled()
            results.extend(_extract_batch((str(repo.path), batch)))
            done = _advance(done, batch, total)
        return results
    ctx = multiprocessing.get_context("forkserver")
    pool = ctx.Pool(workers)
    try:
        pending = pool.imap_unordered(_extract_batch, [(str(repo.path), b) for b in batches])
        for batch in batches:
            while True:
                if _CANCEL.is_set():
                    raise Cancelled()
                try:
                    results.extend(pending.next(timeout=0.2))
                    break
                except multiprocessing.TimeoutError:
                    continue
            done = _advance(done, batch, total)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    return results


def list_files(repo: GitRepo, commit: str,
               dirs: Sequence[str] = CORE) -> list[tuple[str, str, int]]:
    """(path, blob id, size) of the C files a set reads."""
    listed = [d.removesuffix("/*") for d in dirs if not d.startswith("!")]
    return [f for f in repo.list_blobs(commit, listed, _SUFFIXES) if _covers(dirs, f[0])]


def _advance(done: int, batch: list[tuple[str, str, int]], total: int) -> int:
    done += sum(size for _, _, size in batch)
    for report in list(_PROGRESS):
        report(done, total)
    return done


def _batches(files: list[tuple[str, str, int]]) -> list[list[tuple[str, str, int]]]:
    out: list[list[tuple[str, str, int]]] = [[]]
    size = 0
    for item in sorted(files, key=lambda f: -f[2]):
        if size >= _BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append(item)
        size += item[2]
    return [b for b in out if b]


def _extract_batch(job: tuple[str, list[tuple[str, str, int]]]) -> list[FileFacts]:
    """One worker's share: read the blobs, extract each file's facts (a
    file tree-sitter cannot take is left out)."""
    repo_path, batch = job
    paths: dict[str, list[str]] = {}
    for path, sha, _ in batch:
        paths.setdefault(sha, []).append(path)
    api = default_api()
    out = []
    for sha, data in cat_blobs(GitRepo(repo_path), list(paths)):
        for path in paths[sha]:
            try:
                out.append(extract(path, data, api))
            except (RecursionError, ValueError):
                continue
    return out
