"""Trees and threads the benchmarks share: the imported 6.1 tree with the
authored kernel thread, and a minimal tree holding only what the series
touches plus scripts/ and MAINTAINERS (same blobs, ~80,000 files fewer)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C",
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
           "GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"}


def git(repo: Path, *args: str, stdin: bytes | None = None,
        env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True,
                          env={**os.environ, **GIT_ENV, **(env or {})}, check=False)
    if proc.returncode:
        raise RuntimeError(f"git {' '.join(args[:3])}: {proc.stderr.decode().strip()}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def kernel_sample(workdir: Path, tarball: Path = TARBALL) -> tuple[Path, Path]:
    """workdir/kernel/{tree,thread.mbox}, built once and reused."""
    from samples.kernel import write_kernel_sample

    dest = workdir / "kernel"
    tree, mbox = dest / "tree", dest / "thread.mbox"
    if not mbox.exists():
        write_kernel_sample(tarball, dest)
    return tree, mbox


def touched_paths(mbox: Path) -> list[str]:
    import reviewer

    series = reviewer.open_source(mbox).series
    return sorted({p for s in series for r in s.revisions for p in r.paths})


def minimal_tree(full: Path, dest: Path, paths: list[str], base: str = "base") -> Path:
    """A bare repository whose one commit holds `paths`, scripts/ and
    MAINTAINERS exactly as at `base` in `full` (objects copied, not
    borrowed: the full tree's commits must not be reachable from it)."""
    if dest.exists():
        return dest
    entries = git(full, "ls-tree", "-r", "-z", base, "--", "scripts", "MAINTAINERS", *paths)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git(full, "update-index", "-z", "--index-info", stdin=entries.encode(), env=env)
        tree = git(full, "write-tree", env=env).strip()
    commit = git(full, "commit-tree", tree, "-m", "minimal tree").strip()
    objects = git(full, "rev-list", "--objects", commit)
    pack = subprocess.run(["git", "pack-objects", "--stdout"], cwd=full, input=objects.encode(),
                          capture_output=True, check=True).stdout
    git(full.parent, "init", "-q", "--bare", str(dest))
    git(dest, "index-pack", "--stdin", stdin=pack)
    git(dest, "update-ref", "refs/heads/main", commit)
    git(dest, "update-ref", "refs/tags/base", commit)
    git(dest, "symbolic-ref", "HEAD", "refs/heads/main")
    return dest
