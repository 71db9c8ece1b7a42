"""Kernel facts derived from the real 6.1 tree: the helpers real fs fixes
call, derived (not from the table), computed once and then found in the
cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reviewer.checks.race import treefacts
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

pytestmark = pytest.mark.kernel

PATHS = ["fs/ceph/dir.c", "fs/btrfs/inode.c", "fs/nfsd/nfs4state.c"]


def test_facts_of_the_61_tree(kernel_sample: tuple[Path, Path], tmp_path: Path) -> None:
    repo = GitRepo(kernel_sample[0])
    base = repo.head()
    assert base is not None
    db = tmp_path / "cache.sqlite3"
    facts = treefacts.tree_facts(repo, base, ResultCache(db), PATHS)
    assert len(facts.keys) == 4  # fs/ceph, fs/btrfs, fs/nfsd and the core
    raw = facts.raw
    assert raw("xa_insert") == {"gfp_arg": 3}
    assert raw("vfs_getxattr_alloc") == {"gfp_arg": 5}
    # kvfree() may vfree(), which sleeps, and frees its argument on every path
    # (kfree and vfree are puts in the table: a use after them is a use after free)
    assert raw("kvfree") == {"puts": 0, "sleeps": True}
    assert raw("kern_path") == {"sleeps": True}
    assert raw("nfsd_file_put") == {"sleeps": True}  # might_sleep(), fs/nfsd's set
    assert raw("ceph_mdsc_put_request") == {"puts": 0}  # kref_put() on its argument
    assert raw("btrfs_add_delayed_iput") == {"puts": 0}
    assert (raw("lock_rename") or {}).get("acquires") == ["inode:0->d_inode"]
    assert (raw("unlock_rename") or {}).get("releases") == ["inode:0->d_inode"]
    for quiet in ("kfree", "dget", "spin_unlock", "wake_up_process"):
        assert not (raw(quiet) or {}).get("sleeps"), quiet
    start = time.monotonic()
    warm = treefacts.tree_facts(repo, base, ResultCache(db), PATHS)
    assert warm.raw("ceph_mdsc_put_request") == {"puts": 0}
    assert time.monotonic() - start < 5  # found in the cache, not derived again
