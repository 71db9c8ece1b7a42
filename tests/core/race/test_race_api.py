"""The kernel API table: data in kernel_api.toml, extended from the config."""

from __future__ import annotations

import pytest

from reviewer.checks.race import LockSpec, SourceFile, analyze, default_api, load_api
from reviewer.errors import ConfigError


def test_table_entries() -> None:
    api = default_api()
    drop = api.get("__d_drop")
    assert drop is not None and drop.requires == (LockSpec("d_lock", 0),) and drop.unhashes == 0
    lookup = api.get("lookup_one_len")
    assert lookup is not None and lookup.requires == (LockSpec("parent_inode", 1),)
    unlocked = api.get("lookup_one_len_unlocked")
    assert unlocked is not None and unlocked.forbids == (LockSpec("parent_inode", 1),)
    assert unlocked.returns_ref and unlocked.parent_arg == 1
    dput = api.get("dput")
    assert dput is not None and dput.sleeps and dput.puts == 0
    shared = api.get("inode_lock_shared")
    assert shared is not None and shared.acquires == (LockSpec("inode", 0, shared=True),)
    trylock = api.get("spin_trylock")
    assert trylock is not None and trylock.acquires[0].when is True
    assert api.atomic("spin") and api.atomic("rcu") and not api.atomic("inode")
    assert "GFP_KERNEL" in api.sleeping_gfp


SRC = """\
static void f(struct dentry *d)
{
	my_unhash(d);
	spin_lock(&d->d_lock);
	my_sleepy(d);
	spin_unlock(&d->d_lock);
}
"""


def test_user_extensions_flat_and_sectioned() -> None:
    src = [SourceFile("a.c", SRC, frozenset(range(1, 8)), "tree")]
    assert analyze(src) == []
    flat = load_api({"my_unhash": {"requires": "d_lock:0", "unhashes": 0},
                     "my_sleepy": {"sleeps": True}})
    assert [(h.code, h.line) for h in analyze(src, flat)] == [("RACE002", 3), ("RACE007", 5)]
    nested = load_api({"functions": {"my_sleepy": {"sleeps": True}}})
    assert [(h.code, h.line) for h in analyze(src, nested)] == [("RACE007", 5)]
    # A user entry for a known function overrides only the keys it gives.
    quiet = load_api({"dput": {"sleeps": False}})
    dput = quiet.get("dput")
    assert dput is not None and not dput.sleeps and dput.puts == 0
    assert default_api().get("my_sleepy") is None


@pytest.mark.parametrize("bad", [
    {"f": {"requires": "d_lock"}},
    {"f": {"requires": "d_lock:0:sometimes"}},
    {"f": {"unhashes": "zero"}},
    {"f": {"sleeps": 1}},
    {"f": {"frobnicates": 0}},
    {"f": "d_lock:0"},
])
def test_bad_extensions_are_config_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        load_api(bad)
