"""Tree level: the file's unchanged helpers that changed lines call are
walked with what their callers hold before and after the change; what only
the new calls make wrong is reported in the helper, naming the calls."""

from __future__ import annotations

from reviewer.checks.race import RaceHit, SourceFile, analyze

HELPER = """\
static void zap_mark(struct dentry *d)
{
	d->d_flags |= DCACHE_ZAPPED;
}

static void *zap_note(struct zap *z)
{
	return kzalloc(sizeof(struct zap_note), GFP_KERNEL);
}

static void zap_one(struct dentry *d)
{
	spin_lock(&d->d_lock);
	zap_mark(d);
	spin_unlock(&d->d_lock);
}

static void zap_fast(struct dentry *d, struct zap *z)
{
	zap_mark(d);
	spin_lock(&z->lock);
	zap_note(z);
	spin_unlock(&z->lock);
}

static void zap_slow(struct dentry *d, struct zap *z)
{
	spin_lock(&d->d_lock);
	zap_mark(d);
	spin_unlock(&d->d_lock);
}

static void zap_flag(struct dentry *d)
{
	d->d_flags |= DCACHE_FLAGGED;
}

static void zap_bare(struct dentry *d)
{
	zap_flag(d);
	zap_flag(d->d_parent);
}
"""


def run(changed: set[int], origin: str = "tree") -> list[RaceHit]:
    return analyze([SourceFile("fs/zap/zap.c", HELPER, frozenset(changed), origin)])


def test_a_new_call_without_the_lock_every_caller_held() -> None:
    hits = run({20})  # zap_fast's zap_mark(d): every other caller holds d->d_lock
    assert [(h.code, h.line, h.function) for h in hits] == [("RACE002", 3, "zap_mark")]
    assert "called so from line 20" in hits[0].message


def test_a_new_call_under_a_spinlock_of_a_helper_that_sleeps() -> None:
    hits = run({22})  # zap_note() had no caller before
    assert [(h.code, h.line, h.function) for h in hits] == [("RACE007", 8, "zap_note")]


def test_new_calls_that_change_nothing_are_quiet() -> None:
    assert run({29}) == []  # under d->d_lock, as the other callers
    assert run({41}) == []  # no lock, as before: not this change's doing
    assert run({20}, origin="hunks") == []  # a hunk never shows every caller
