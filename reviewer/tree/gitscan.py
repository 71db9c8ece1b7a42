"""Tree-wide reads in background gits (part of the git module: only
gitrepo.py, gitindex.py and this file start git): every blob a question
needs streamed from one `git cat-file --batch`, and a word search over a
whole tree split into one `git grep` per core.  None of them outlives us.
"""

from __future__ import annotations

import atexit
import fnmatch
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from reviewer import machine
from reviewer.tree.gitrepo import _QUIET_ENV

if TYPE_CHECKING:
    from reviewer.tree.gitrepo import GitRepo

__all__ = ["cat_blobs", "grep_files_async", "stop_background"]

_BACKGROUND: set[subprocess.Popen[bytes]] = set()


@atexit.register
def stop_background() -> None:
    """No background git outlives us (e.g. a grep nobody waited for); also
    for a process that ends without running atexit (a worker's SIGTERM)."""
    for proc in list(_BACKGROUND):
        proc.kill()
        proc.wait()


def _units(sizes: dict[str, int], most: int, depth: int = 1) -> dict[str, int]:
    """Directories `depth` deep (or files) holding `sizes`' files, those
    bigger than `most` split further: what grep shares are made of."""
    below: dict[str, dict[str, int]] = {}
    for path, size in sizes.items():
        parts = path.split("/", depth)
        unit = "/".join(parts[:depth]) + "/" if len(parts) > depth else path
        below.setdefault(unit, {})[path] = size
    out: dict[str, int] = {}
    for unit, files in below.items():
        size = sum(files.values())
        if unit.endswith("/") and size > most and depth < 4:
            out.update(_units(files, most, depth + 1))
        else:
            out[unit] = size
    return out


def _pathspecs(unit: str, globs: tuple[str, ...]) -> list[str]:
    """`globs` (at any depth) below directory `unit/`, or the file `unit`
    if it matches one."""
    if not unit.endswith("/"):
        return [f":(literal){unit}"] if any(fnmatch.fnmatch(unit, g) for g in globs) else []
    escaped = "".join(f"\\{c}" if c in "*?[\\" else c for c in unit)
    return [f":(glob){escaped}**/{g}" for g in globs]


def cat_blobs(repo: GitRepo, shas: list[str]) -> Iterator[tuple[str, bytes]]:
    """(id, content) of each blob, streamed from one `git cat-file
    --batch`; the process is ended when the caller stops early."""
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=repo.workdir,
        env={**os.environ, **_QUIET_ENV}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        try:
            stdin.write("".join(f"{s}\n" for s in shas).encode())
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader stopped early and ended git

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for sha in shas:
            header = stdout.readline().split()
            if len(header) != 3:
                continue  # "<id> missing"
            data = stdout.read(int(header[2]))
            stdout.read(1)
            yield sha, data
    finally:
        proc.kill()
        proc.wait()
        writer.join()

def grep_files_async(repo: GitRepo, commit: str, words: list[str],
                     globs: tuple[str, ...]) -> Callable[[], list[str]]:
    """The files at `commit` matching `globs` that hold one of `words` as
    a whole word (the one walk over every blob a tree-wide question
    needs), searched from now on in background gits, one per core over
    its share of the tree (git reads a tree's blobs on one core); call
    the result to wait for them, meanwhile other work runs."""
    patterns = [arg for w in words for arg in ("-e", w)]
    procs = [subprocess.Popen(
        # Small pack windows: git would otherwise map the whole pack it
        # reads (300 MB of RSS on the 6.1 tree) for no gain in speed.
        ["git", "-c", "core.packedGitLimit=8m", "-c", "core.packedGitWindowSize=1m",
         "grep", "-l", "-w", "-F", *patterns, commit, "--", *share],
        cwd=repo.workdir, env={**os.environ, **_QUIET_ENV},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for share in _shares(repo, commit, globs, machine.cores())]
    _BACKGROUND.update(procs)
    lock, found = threading.Lock(), list[str]()

    def wait() -> list[str]:
        with lock:  # any number of waiters, in any threads, one result
            for proc in procs:
                if proc in _BACKGROUND:
                    out, _err = proc.communicate()
                    _BACKGROUND.discard(proc)
                    lines = out.decode("utf-8", "surrogateescape").splitlines()
                    found.extend(line.split(":", 1)[1] for line in lines if ":" in line)
        return sorted(found)

    return wait

def _shares(repo: GitRepo, commit: str, globs: tuple[str, ...], n: int) -> list[list[str]]:
    """Pathspecs for `globs` splitting the files at `commit` into `n`
    shares of about as many files, by directory (one ls-tree, no blob read)."""
    if n < 2:
        return [list(globs)]
    files = dict.fromkeys(repo.file_paths(commit), 1)
    units = _units(files, len(files) // n)
    shares: list[tuple[int, list[str]]] = [(0, []) for _ in range(n)]
    for unit, size in sorted(units.items(), key=lambda u: -u[1]):
        total, specs = min(shares, key=lambda s: s[0])
        shares.remove((total, specs))
        shares.append((total + size, [*specs, unit]))
    return [[spec for u in units_ for spec in _pathspecs(u, globs)]
            for _total, units_ in shares if units_]

