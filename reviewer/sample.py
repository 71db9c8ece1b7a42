"""The embedded sample: a small kernel-like tree and a four-revision thread
authored for this project (see samples/)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_cache_dir

from reviewer.errors import ReviewerError

__all__ = ["demo_paths", "write_kernel_sample", "write_sample"]


def write_sample(dest: str | Path) -> tuple[Path, Path]:
    """Write the sample tree (a git repository, base tagged `sample-base`) to
    DEST/tree and the thread to DEST/thread.mbox."""
    from samples import build

    dest = Path(dest).expanduser()
    if dest.exists() and any(dest.iterdir()):
        raise ReviewerError(f"{dest}: exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    tree = dest / "tree"
    build.build_tree(tree)
    mbox = dest / "thread.mbox"
    shutil.copyfile(build.THREAD_MBOX, mbox)
    return tree, mbox


def write_kernel_sample(dest: str | Path, tarball: str | Path,
                        progress: Callable[[int, int, int], None] | None = None
                        ) -> tuple[Path, Path]:
    """The authored series on a real kernel: TARBALL (e.g. Debian's
    linux-source-6.1) imported as DEST/tree (bare, tag `base`), the thread
    built on it as DEST/thread.mbox (see samples/kernel.py)."""
    from samples.kernel import write_kernel_sample as build

    dest = Path(dest).expanduser()
    if dest.exists() and any(dest.iterdir()):
        raise ReviewerError(f"{dest}: exists and is not empty")
    return build(tarball, dest, progress)


def demo_paths() -> tuple[Path, Path]:
    """The sample in the user cache dir, (re)built when absent or stale."""
    from samples import build

    root = Path(user_cache_dir("reviewer")) / "sample"
    tree, mbox = root / "tree", root / "thread.mbox"
    fresh = mbox.exists() and mbox.read_bytes() == build.THREAD_MBOX.read_bytes()
    if not (fresh and (tree / ".git").exists()):
        shutil.rmtree(root, ignore_errors=True)
        write_sample(root)
    return tree, mbox
