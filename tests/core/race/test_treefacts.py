"""Kernel facts derived from a tree's own source (treefacts.py): each kind
firing and not, and the cache of a tree's sets (test_treefacts_use.py has
how the checks use them)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from core.gitutil import git, init_repo
from core.race.facts_sources import FILES

from reviewer.checks.race import SourceFile, analyze, treefacts
from reviewer.checks.race.api import default_api
from reviewer.checks.race.factsolve import MAX_SLEEP_DEPTH
from reviewer.store.cache import ResultCache, take_notices
from reviewer.tree.gitrepo import GitRepo

pytestmark = pytest.mark.usefixtures("fresh_facts_memory")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, str]:
    path = tmp_path_factory.mktemp("facts") / "linux"
    base = init_repo(path, FILES)
    return GitRepo(path), base


@pytest.fixture(scope="module")
def derived(tree: tuple[GitRepo, str]) -> dict[tuple[str, str], dict[str, Any]]:
    repo, base = tree
    return treefacts.derive(repo, base, ("include", "fs", "kernel", "lib"), workers=1)


def fact(derived: Mapping[tuple[str, str], dict[str, Any]], name: str,
         scope: str = "") -> dict[str, Any]:
    return derived.get((scope, name), {})


def test_sleeping(derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "foo_might") == {"sleeps": True}
    assert fact(derived, "foo_wait", "fs/foo/sleep.c").get("sleeps")  # a static, its file's
    assert fact(derived, "foo_outer").get("sleeps")  # through foo_wait
    assert fact(derived, "foo_kernel_alloc").get("sleeps")  # GFP_KERNEL to a derived gfp_arg
    assert fact(derived, "mh_getname", "").get("sleeps")  # a macro passing GFP_KERNEL
    assert not fact(derived, "foo_guarded").get("sleeps")  # only when !in_atomic()
    assert not fact(derived, "foo_atomic_alloc").get("sleeps")
    assert not fact(derived, "foo_masked").get("sleeps")  # mh_mask only computes flags
    assert not fact(derived, "foo_nowait_alloc").get("sleeps")  # mh_alloc_nowait masks them
    assert not fact(derived, "foo_variant").get("sleeps")  # one definition cannot sleep


def test_sleeping_is_bounded(derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    # chain0 is one call up from msleep(), a sleeper the table names
    assert fact(derived, f"chain{MAX_SLEEP_DEPTH - 1}").get("sleeps")
    assert not fact(derived, f"chain{MAX_SLEEP_DEPTH}").get("sleeps")


def test_gfp_parameters(derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "mh_alloc") == {"gfp_arg": 1}
    assert "gfp_arg" not in fact(derived, "mh_alloc_nowait")  # the body clears reclaim
    assert fact(derived, "mh_alloc_allowed") == {"gfp_arg": 0}  # only restricts them
    assert "gfp_arg" not in fact(derived, "mh_mask")  # never reaches an allocator


def test_locks_held_or_released_on_every_path(
        derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "foo_lock")["acquires"] == ["spin:0->lock"]
    assert fact(derived, "foo_unlock")["releases"] == ["spin:0->lock"]
    assert fact(derived, "foo_lock_dir")["acquires"] == ["inode:0->d_inode"]
    # a held on both returns, b only on one
    assert fact(derived, "foo_lock_pair")["acquires"] == ["inode:0->d_inode"]
    assert "acquires" not in fact(derived, "foo_maybe_lock")
    assert "acquires" not in fact(derived, "foo_retry")  # a backward goto: unknown


def test_annotations_and_assertions(derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "foo_count")["requires"] == ["spin:0->lock"]
    assert "requires" not in fact(derived, "foo_count_maybe")
    assert fact(derived, "foo_unlock_noted")["releases"] == ["spin:0->lock"]


def test_requirements_through_calls(derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "foo_lookup")["requires"] == ["parent_inode:0"]
    assert fact(derived, "foo_lookup_dot")["requires"] == ["parent_inode:0"]  # two calls down
    assert fact(derived, "foo_unhash")["requires"] == ["d_lock:0"]
    assert "requires" not in fact(derived, "foo_lookup_self")  # takes it itself
    assert fact(derived, "foo_lookup_some")["requires"] == ["parent_inode:0"]  # past a return
    assert "requires" not in fact(derived, "foo_lookup_if")  # only under a test
    assert "requires" not in fact(derived, "foo_lookup_moved")  # not the caller's dir
    assert "requires" not in fact(derived, "foo_lookup_prepared")  # a helper may take it


CALLER = """\
int foo_use(struct dentry *dir)
{
	struct dentry *d = foo_lookup_dot(dir);

	dput(d);
	return 0;
}

int foo_use_locked(struct dentry *dir)
{
	struct dentry *d;

	inode_lock(d_inode(dir));
	d = foo_lookup_dot(dir);
	inode_unlock(d_inode(dir));
	dput(d);
	return 0;
}
"""


def test_composed_requirement_judges_a_call(tree: tuple[GitRepo, str]) -> None:
    """A caller of a wrapper two calls above lookup_one_len() needs the
    parent's lock as if it called lookup_one_len() itself."""
    repo, base = tree
    api = default_api().with_facts(treefacts.tree_facts(repo, base, None, ["fs/foo/use.c"]))
    hits = analyze([SourceFile("fs/foo/use.c", CALLER, frozenset(), "tree")], api,
                   all_lines=True)
    assert [(h.code, h.line, h.function) for h in hits] == [("RACE005", 3, "foo_use")]
    assert analyze([SourceFile("fs/foo/use.c", CALLER, frozenset(), "tree")],
                   all_lines=True) == []  # the table alone does not know the wrapper


def test_references(derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "foo_put") == {"puts": 0}
    assert fact(derived, "foo_drop") == {"puts": 0}  # through foo_put, another file
    assert fact(derived, "foo_iput_late") == {"puts": 0}
    assert "puts" not in fact(derived, "foo_put_maybe")
    assert "puts" not in fact(derived, "foo_stop")  # puts only the reference it took
    assert fact(derived, "foo_get") == {"returns_ref": True, "alias_arg": 0}
    assert fact(derived, "foo_child").get("returns_ref") and \
        "alias_arg" not in fact(derived, "foo_child")
    assert "returns_ref" not in fact(derived, "foo_peek")
    assert "returns_ref" not in fact(derived, "foo_inode")  # only dentries are tracked


def test_static_functions_are_per_file(tree: tuple[GitRepo, str],
                                       derived: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert fact(derived, "helper", "fs/foo/static_a.c") == {"sleeps": True}
    assert ("fs/bar/static_b.c", "helper") not in derived
    repo, base = tree
    seen_a = treefacts.tree_facts(repo, base, None, ["fs/foo/static_a.c"])
    seen_b = treefacts.tree_facts(repo, base, None, ["fs/bar/static_b.c"])
    assert seen_a.raw("helper") == {"sleeps": True} and seen_b.raw("helper") is None


def test_core_set_and_a_set_per_touched_directory(tree: tuple[GitRepo, str]) -> None:
    """fs/foo is outside the core: its set is resolved over the core's
    (mh_alloc's gfp parameter is the core header's); drivers/far only when
    a revision touches it."""
    repo, base = tree
    assert treefacts.extra_dirs(["fs/foo/sleep.c", "fs/namei.c", "include/linux/fs.h",
                                 "drivers/far/away.c", "drivers/far/x.h"]) == \
        ["fs/foo", "drivers/far"]
    fs_foo = treefacts.tree_facts(repo, base, None, ["fs/foo/user.c"])
    assert fs_foo.raw("foo_kernel_alloc") == {"sleeps": True}
    assert fs_foo.raw("mh_alloc") == {"gfp_arg": 1} and fs_foo.raw("far_away") is None
    core_only = treefacts.tree_facts(repo, base, None, ["kernel/variant_b.c"])
    assert core_only.raw("foo_kernel_alloc") is None and len(core_only.keys) == 1
    assert core_only.raw("tr_wait") is None  # kernel/trace is left out of the core
    assert treefacts.extra_dirs(["kernel/trace/tr.c"]) == ["kernel/trace"]
    far = treefacts.tree_facts(repo, base, None, ["drivers/far/away.c"])
    assert far.raw("far_away") == {"sleeps": True}


def test_cached_per_tree_second_call_does_no_work(tree: tuple[GitRepo, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = tree
    calls = []
    real = treefacts.read_files

    def counting(*args: Any, **kw: Any) -> Any:
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(treefacts, "read_files", counting)
    cache = ResultCache()
    first = treefacts.tree_facts(repo, base, cache, ["fs/foo/sleep.c"])
    assert first.raw("foo_outer") == {"sleeps": True} and len(calls) == 2  # core, fs/foo
    # Another commit with the same tree (a re-import) is the same set.
    again = git(repo.path, "commit-tree", f"{base}^{{tree}}", "-m", "re-import").strip()
    second = treefacts.tree_facts(repo, again, ResultCache(), ["fs/foo/sleep.c"])
    assert second.raw("foo_wait") == {"sleeps": True} and len(calls) == 2


def test_corrupt_cache_is_rebuilt_with_a_notice(tree: tuple[GitRepo, str],
                                                 tmp_path: Path) -> None:
    repo, base = tree
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    take_notices()
    facts = treefacts.tree_facts(repo, base, ResultCache(path), ["fs/foo/refs.c"])
    assert facts.raw("foo_put") == {"puts": 0}
    notices = take_notices()
    assert len(notices) == 1 and "damaged" in notices[0] and "\n" not in notices[0]
    assert all(ResultCache(path).tree_facts_summary(k) is not None for k in facts.keys)


def test_cancel_stores_nothing(tree: tuple[GitRepo, str], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = tree
    monkeypatch.setattr(treefacts, "_BATCH_BYTES", 1)  # a batch per file
    cache = ResultCache(tmp_path / "c.sqlite3")
    seen: list[int] = []

    def stop(done: int, total: int) -> None:
        seen.append(done)
        threading.Thread(target=treefacts.cancel).start()

    with treefacts.facts_progress(stop), pytest.raises(treefacts.Cancelled):
        treefacts.tree_facts(repo, base, cache)
    assert seen and cache.tree_facts_summary(treefacts.set_key(repo, base)) is None


def test_parallel_workers_agree_with_one(tree: tuple[GitRepo, str],
                                         derived: dict[tuple[str, str], dict[str, Any]],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = tree
    monkeypatch.setattr(treefacts, "_BATCH_BYTES", 200)
    assert treefacts.derive(repo, base, ("include", "fs", "kernel", "lib"), workers=2) == derived
