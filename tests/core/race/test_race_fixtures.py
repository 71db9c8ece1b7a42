"""Each race rule on C fixtures of our own, in kernel style.

A fixture marks every line a rule must fire on with `expect: CODE...`; a
fixture without marks must produce nothing.  Every RACE rule has a `_pos`
fixture (fires) and a `_neg` fixture (stays quiet).  A line starting with
`//-` is one the change removed: it is not in the code analysed, and the
rules see it as removed after the line before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.checks.race import CODES, RaceHit, SourceFile, analyze

FIXTURES = Path(__file__).parent / "fixtures"
ALL = sorted(p.name for p in FIXTURES.glob("*.c"))


def expected(text: str) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if "expect:" in line:
            out |= {(code, n) for code in line.split("expect:")[1].replace("*/", "").split()}
    return out


def load(name: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """The fixture's code and the lines marked removed (`//-`)."""
    kept: list[str] = []
    removed: list[tuple[int, str]] = []
    for line in (FIXTURES / name).read_text().splitlines():
        if line.startswith("//-"):
            removed.append((len(kept), line[3:]))
        else:
            kept.append(line)
    return "\n".join(kept) + "\n", tuple(removed)


def run(name: str, changed: frozenset[int] = frozenset(), all_lines: bool = True,
        origin: str = "tree") -> list[RaceHit]:
    text, removed = load(name)
    return analyze([SourceFile(name, text, changed, origin, removed=removed)],
                   all_lines=all_lines)


@pytest.mark.parametrize("name", ALL)
def test_fixture_hits_exactly_the_marked_lines(name: str) -> None:
    got = {(h.code, h.line) for h in run(name)}
    assert got == expected(load(name)[0])


def test_every_rule_has_a_firing_and_a_quiet_fixture() -> None:
    assert CODES == ("RACE001", "RACE002", "RACE003", "RACE004", "RACE005", "RACE006",
                     "RACE007", "RACE008", "RACE009", "RACE010", "RACE011", "RACE012",
                     "RACE013", "RACE014", "RACE015", "RACE016", "RACE017",
                     "RACE018", "RACE019", "RACE020", "RACE021")
    for code in CODES:
        stem = code.lower()
        assert f"{stem}_pos.c" in ALL and f"{stem}_neg.c" in ALL, code
        pos = (FIXTURES / f"{stem}_pos.c").read_text()
        assert any(c == code for c, _ in expected(pos)), code
        assert not expected((FIXTURES / f"{stem}_neg.c").read_text()), code


def codes_at(hits: list[RaceHit], line: int) -> set[str]:
    return {h.code for h in hits if h.line == line}


def test_v1_style_unlocked_drop() -> None:
    # v1: lookup_one_len_unlocked(), then d_drop() of a negative result with no
    # lock at all: a create can make it positive in between (RACE001) and
    # nobody checked that ours is the only reference (RACE003).
    hits = run("scenario_v1.c")
    assert codes_at(hits, 13) == {"RACE001", "RACE003"}
    # With __d_drop() the missing d_lock is reported as well.
    assert codes_at(hits, 34) == {"RACE001", "RACE002", "RACE003"}
    h = next(h for h in hits if h.code == "RACE001" and h.line == 13)
    assert h.function == "layer_lookup_one" and h.subject == "this" and h.origin == "tree"
    assert "line 12" in h.message and h.message.startswith("d_drop(this) unhashes")


def test_v2_style_drop_under_shared_parent_lock_is_fine() -> None:
    # v2: the parent's inode lock is held (shared) from __lookup_slow() to the
    # d_drop(); a create needs it exclusive, so nothing can race.
    assert run("scenario_v2.c") == []


def test_v3_style_drop_inside_lookup_slow_is_fine() -> None:
    # v3: the drop is inside __lookup_slow(), whose caller holds the parent's
    # inode lock; the table says __lookup_slow() requires it, so its own body
    # runs with it held.  lookup_slow() takes and releases it properly.
    assert run("scenario_v3.c") == []


def test_v4_style_recheck_under_d_lock_is_fine() -> None:
    # v4: unlocked pre-check, then negativity and count == 1 rechecked under
    # d_lock before __d_drop(), dput() after the unlock.
    assert run("scenario_v4.c") == []


def test_only_changed_lines_are_reported_unless_all() -> None:
    assert run("race006_pos.c", changed=frozenset({9}), all_lines=False) == []
    # A leak is reported at the return, and also when only the lock line changed.
    hits = run("race006_pos.c", changed=frozenset({6}), all_lines=False)
    assert [(h.code, h.line) for h in hits] == [("RACE006", 8)]
    # Untouched functions are not analysed at all.
    hits = run("race001_pos.c", changed=frozenset({12}), all_lines=False)
    assert {h.function for h in hits} == {"foo_lookup_child"}


def test_lock_identity_follows_aliases_but_not_other_objects() -> None:
    src = """\
static void f(struct dentry *dentry, struct dentry *other)
{
	struct dentry *d = dentry;
	struct dentry *parent = dentry->d_parent;

	spin_lock(&d->d_lock);
	__d_drop(dentry);
	__d_drop(other);
	__d_drop(parent);
	spin_unlock(&dentry->d_lock);
	d = other;
	spin_lock(&d->d_lock);
	__d_drop(other);
	__d_drop(dentry);
	spin_unlock(&other->d_lock);
}
"""
    hits = analyze([SourceFile("a.c", src, frozenset(range(1, 20)), "tree")])
    assert [(h.code, h.line, h.subject) for h in hits] == [
        ("RACE002", 8, "other"), ("RACE002", 9, "dentry->d_parent"),
        ("RACE002", 14, "dentry")]
