"""Kernel facts derived from a tree's own source (treefacts.py): each kind
firing and not, the precedence under the table and the user's config, the
cache, and a tree-level check that needs a derived fact."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from core.gitutil import commit, format_patch, git, init_repo

from reviewer.checks.race import SourceFile, analyze, treefacts
from reviewer.checks.race.api import LockSpec, default_api, load_api
from reviewer.checks.race.factsolve import MAX_SLEEP_DEPTH
from reviewer.cli import main
from reviewer.errors import TreeError
from reviewer.store.cache import ResultCache, take_notices
from reviewer.tree.gitrepo import GitRepo

HEADER = """\
#ifndef MYHELPERS_H
#define MYHELPERS_H
static inline void *mh_alloc(size_t n, gfp_t gfp)
{
	return kmalloc(n, gfp);
}

static inline void *mh_alloc_nowait(gfp_t gfp)
{
	gfp &= ~__GFP_DIRECT_RECLAIM;
	return kmalloc(8, gfp);
}

static inline void *mh_alloc_allowed(gfp_t gfp)
{
	gfp &= gfp_allowed_mask;
	return kmalloc(8, gfp);
}

static inline unsigned int mh_mask(gfp_t gfp)
{
	return gfp & 3;
}
#define mh_getname() kmem_cache_alloc(names_cachep, GFP_KERNEL)
#endif
"""

LOCKS = """\
void foo_lock(struct foo *f)
{
	spin_lock(&f->lock);
}

void foo_unlock(struct foo *f)
{
	spin_unlock(&f->lock);
}

void foo_maybe_lock(struct foo *f)
{
	if (f->busy)
		spin_lock(&f->lock);
}

void foo_lock_dir(struct dentry *dir)
{
	inode_lock(d_inode(dir));
}

struct dentry *foo_lock_pair(struct dentry *a, struct dentry *b)
{
	if (a == b) {
		inode_lock(a->d_inode);
		return NULL;
	}
	inode_lock(a->d_inode);
	inode_lock(b->d_inode);
	return NULL;
}

int foo_count(struct foo *f)
{
	lockdep_assert_held(&f->lock);
	return f->count;
}

int foo_count_maybe(struct foo *f)
{
	if (f->debug)
		lockdep_assert_held(&f->lock);
	return f->count;
}

void foo_unlock_noted(struct foo *f) __releases(&f->lock)
{
	f->count--;
	spin_unlock(&f->lock);
}

void foo_retry(struct foo *f)
{
again:
	spin_lock(&f->lock);
	if (f->busy) {
		spin_unlock(&f->lock);
		goto again;
	}
}
"""

REFS = """\
void foo_put(struct foo *f)
{
	kref_put(&f->ref, foo_release);
}

void foo_put_maybe(struct foo *f)
{
	if (f->owned)
		kref_put(&f->ref, foo_release);
}

struct foo *foo_get(struct foo *f)
{
	kref_get(&f->ref);
	return f;
}

struct dentry *foo_child(struct dentry *parent)
{
	struct dentry *d = d_alloc(parent, &foo_name);

	if (!d)
		return ERR_PTR(-ENOMEM);
	return d;
}

struct inode *foo_inode(struct dentry *d)
{
	return igrab(d->d_inode);
}

struct dentry *foo_peek(struct dentry *parent)
{
	return parent->d_parent;
}

void foo_stop(struct foo *f)
{
	kref_get(&f->ref);
	foo_wake(f);
	kref_put(&f->ref, foo_release);
}

void foo_iput_late(struct inode *inode)
{
	if (atomic_add_unless(&inode->i_count, -1, 1))
		return;
	foo_queue_iput(inode);
}
"""

# In another file: the put is found through foo_put's derived fact.
DROP = """\
void foo_drop(struct foo *f)
{
	f->dropped = 1;
	foo_put(f);
}
"""

SLEEP = """\
static int foo_wait(struct foo *f)
{
	mutex_lock(&f->m);
	mutex_unlock(&f->m);
	return 0;
}

int foo_outer(struct foo *f)
{
	return foo_wait(f);
}

int foo_guarded(struct foo *f)
{
	if (!in_atomic())
		msleep(1);
	return 0;
}

int foo_atomic_alloc(void)
{
	return kmalloc(8, GFP_ATOMIC) != NULL;
}

int foo_kernel_alloc(void)
{
	return mh_alloc(8, GFP_KERNEL) != NULL;
}

int foo_name(void)
{
	return mh_getname() != NULL;
}

int foo_masked(void)
{
	return mh_mask(GFP_KERNEL) != 0;
}

int foo_nowait_alloc(void)
{
	return mh_alloc_nowait(GFP_KERNEL) != NULL;
}

void foo_might(void)
{
	might_sleep();
}
"""

# Requirements through calls: lookup_one_len() needs its parent's inode
# lock, __d_drop() the dentry's d_lock.
REQ = """\
struct dentry *foo_lookup(struct dentry *dir, const char *name)
{
	return lookup_one_len(name, dir, strlen(name));
}

struct dentry *foo_lookup_dot(struct dentry *dir)
{
	return foo_lookup(dir, ".");
}

struct dentry *foo_lookup_self(struct dentry *dir, const char *name)
{
	struct dentry *d;

	inode_lock(d_inode(dir));
	d = lookup_one_len(name, dir, strlen(name));
	inode_unlock(d_inode(dir));
	return d;
}

struct dentry *foo_lookup_some(struct dentry *dir, const char *name)
{
	if (!name)
		return NULL;
	return lookup_one_len(name, dir, strlen(name));
}

struct dentry *foo_lookup_if(struct dentry *dir, const char *name, bool locked)
{
	struct dentry *d = NULL;

	if (locked)
		d = lookup_one_len(name, dir, strlen(name));
	return d;
}

struct dentry *foo_lookup_moved(struct dentry *dir, const char *name)
{
	dir = dir->d_parent;
	return lookup_one_len(name, dir, strlen(name));
}

static void foo_prepare(struct dentry *dir)
{
	if (dir->d_flags)
		inode_lock(d_inode(dir));
}

struct dentry *foo_lookup_prepared(struct dentry *dir, const char *name)
{
	foo_prepare(dir);
	return lookup_one_len(name, dir, strlen(name));
}

void foo_unhash(struct dentry *d)
{
	d->d_flags |= 1;
	__d_drop(d);
}
"""

# A function defined twice (#ifdef variants): only one of them sleeps.
VARIANT_A = "int foo_variant(void)\n{\n\tmsleep(1);\n\treturn 0;\n}\n"
VARIANT_B = "int foo_variant(void)\n{\n\treturn 0;\n}\n"
STATIC_A = "static void helper(void)\n{\n\tmsleep(1);\n}\n"
STATIC_B = "static void helper(void)\n{\n}\n"


def _chain(n: int) -> str:
    """chain0 calls msleep(); chain(k) calls chain(k-1)."""
    out = "void chain0(void)\n{\n\tmsleep(1);\n}\n"
    for k in range(1, n):
        out += f"void chain{k}(void)\n{{\n\tchain{k - 1}();\n}}\n"
    return out


FILES = {
    "include/linux/myhelpers.h": HEADER, "fs/foo/locks.c": LOCKS, "fs/foo/refs.c": REFS,
    "fs/foo/drop.c": DROP, "fs/foo/req.c": REQ, "fs/foo/sleep.c": SLEEP,
    "fs/foo/variant_a.c": VARIANT_A, "kernel/variant_b.c": VARIANT_B, "fs/foo/static_a.c": STATIC_A,
    "fs/bar/static_b.c": STATIC_B, "lib/chain.c": _chain(MAX_SLEEP_DEPTH + 3),
    "fs/foo/broken.c": "int broken(struct x *p {\n\tspin_lock(&p->lock\n}\n#define X(\n",
    "fs/foo/binary.c": "\x00\x01\x02 not C at all \xff\n",
    "drivers/far/away.c": "void far_away(void)\n{\n\tmsleep(1);\n}\n",
    "kernel/trace/tr.c": "void tr_wait(void)\n{\n\tmsleep(1);\n}\n",
}


@pytest.fixture(autouse=True)
def no_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the sets an earlier one kept in memory."""
    monkeypatch.setattr(treefacts, "_MEMORY", {})


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


class Derived:
    """Derived facts given directly (the FactSource a tree would give)."""

    def __init__(self, entries: dict[str, dict[str, Any]]) -> None:
        self.entries = entries

    def raw(self, name: str) -> Mapping[str, Any] | None:
        return self.entries.get(name)


def test_precedence_derived_table_user() -> None:
    facts = Derived({"dput": {"puts": 1, "gfp_arg": 2}, "my_helper": {"sleeps": True},
                     "my_other": {"acquires": "spin:0->lock"}})
    api = load_api({"my_helper": {"sleeps": False}}).with_facts(facts)
    dput = api.get("dput")
    assert dput is not None and dput.puts == 0  # the table's key wins
    assert dput.gfp_arg == 2 and dput.sleeps  # a key the table leaves out is derived
    helper = api.get("my_helper")
    assert helper is not None and not helper.sleeps  # the user's config wins
    other = api.get("my_other")
    assert other is not None and other.acquires == (LockSpec("spin", 0, path="->lock"),)
    assert api.get("nobody_knows") is None


def test_damaged_derived_entry_falls_back_to_the_table() -> None:
    api = load_api().with_facts(Derived({"dput": {"acquires": 7}, "odd": {"puts": "x"}}))
    dput = api.get("dput")
    assert dput is not None and dput.puts == 0 and not dput.acquires
    assert api.get("odd") is None


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


USER_BEFORE = """\
void foo_user(struct foo *f)
{
	spin_lock(&f->lock);
	f->count++;
	spin_unlock(&f->lock);
}
"""
USER_AFTER = """\
void foo_user(struct foo *f)
{
	spin_lock(&f->lock);
	f->count++;
	foo_outer(f);
	spin_unlock(&f->lock);
}
"""


def _series(tmp_path: Path) -> tuple[Path, Path]:
    """A tree with FILES and a one-patch series calling foo_outer() under a
    spinlock (the table does not know it sleeps; the tree does)."""
    repo = tmp_path / "linux"
    init_repo(repo, {**FILES, "fs/foo/user.c": USER_BEFORE})
    git(repo, "checkout", "-q", "-b", "topic")
    commit(repo, {"fs/foo/user.c": USER_AFTER}, "foo: call foo_outer under the lock",
           "2024-02-01T10:00:00+00:00")
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(format_patch(repo, "base0..topic", "--base=base0"))
    return repo, mbox


def _race007(capsys: pytest.CaptureFixture[str], mbox: Path,
             *extra: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    main(["check", str(mbox), "--select", "RACE007", "--format", "json", *extra])
    out = json.loads(capsys.readouterr().out)
    revisions = [r for s in out["series"] for r in s["revisions"]]
    assert all(o["status"] == "ran" for r in revisions for o in r["rules"].values())
    return [f for r in revisions for f in r["findings"] if f["rule"] == "RACE007"]


def test_tree_level_check_uses_derived_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo, mbox = _series(tmp_path)

    def race007(*extra: str) -> list[dict[str, Any]]:
        return _race007(capsys, mbox, *extra)

    assert race007() == []  # the table alone does not know foo_outer
    hits = race007("--tree", str(repo))
    assert len(hits) == 1 and "foo_outer" in hits[0]["message"]
    assert hits[0]["level"] == "tree" and hits[0]["line"] == 5
    config = tmp_path / "config.toml"
    config.write_text("[race]\ntree-facts = false\n")
    monkeypatch.setenv("REVIEWER_CONFIG", str(config))
    assert race007("--tree", str(repo)) == []  # the user turned the facts off


def test_facts_that_cannot_be_read_leave_the_table(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo, mbox = _series(tmp_path)

    def broken(*args: Any, **kw: Any) -> Any:
        raise TreeError("cannot list files of the base")

    monkeypatch.setattr(treefacts, "read_files", broken)
    assert _race007(capsys, mbox, "--tree", str(repo)) == []  # ran, with the table alone


def test_diff_level_uses_the_tree_facts_when_nothing_applies(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A revision that does not apply is read from its hunks, with the
    facts of the tree it was tried on: foo_outer() sleeps there."""
    _, mbox = _series(tmp_path)
    other = tmp_path / "other"
    init_repo(other, {**FILES, "fs/foo/user.c": "int foo_unrelated;\n"})
    hits = _race007(capsys, mbox, "--tree", str(other))
    assert len(hits) == 1 and "foo_outer" in hits[0]["message"]
    assert hits[0]["level"] == "diff"
