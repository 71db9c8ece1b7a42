"""RACE001..RACE008: the dcache locking rules, registered with the engine.

One C analysis per revision (memoised) feeds all eight rules.  Each patch's
files are read from the applied tree after that patch when the revision
applied, else rebuilt from the patch's hunks; findings say which ("tree" or
"diff" level).  Facts cited as [fact N] are in the locking rules brief."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.analysis import RaceHit, SourceFile, analyze
from reviewer.checks.race.api import load_api
from reviewer.checks.registry import Scope, rule
from reviewer.cparse import DiffHunk, rebuild_post_image
from reviewer.model import ChangedLines, Finding, Severity

_C_FILES = (".c", ".h")
_DIGITS = str.maketrans("", "", "0123456789")


def _revision_hits(ctx: CheckContext) -> list[tuple[int, RaceHit]]:
    api = load_api(ctx.config.race_api)
    out: list[tuple[int, RaceHit]] = []
    for patch in ctx.revision.patches:
        files: list[SourceFile] = []
        # The tree's own line numbers: hunks often land away from their headers.
        moved = ctx.applied_changes(patch.index) if ctx.applied else {}
        for change in patch.files:
            if change.new_path is None or not change.path.endswith(_C_FILES) or change.binary:
                continue
            text = ctx.post_file(change.path, after_patch=patch.index) if ctx.applied else None
            if text is not None:
                lines = moved.get(change.path, ChangedLines())
                files.append(SourceFile(change.path, text, lines.touched, "tree"))
                continue
            rebuilt, line_map = rebuild_post_image(
                [DiffHunk(h.new_start, h.lines, h.section) for h in change.hunks])
            files.append(SourceFile(change.path, rebuilt, change.line_changes().touched, "hunks",
                                    frozenset(line_map)))
        out.extend((patch.index, h) for h in analyze(files, api, ctx.config.all_lines))
    return out


def _report(ctx: CheckContext, code: str) -> Iterator[Finding]:
    for patch, h in ctx.memo("race.analysis", lambda: _revision_hits(ctx)):
        if h.code == code:
            key = f"{h.function} {h.subject} {h.message.translate(_DIGITS)}"
            yield ctx.report(f"{h.function}(): {h.message}", patch=patch, file=h.path,
                             line=h.line, key=key,
                             level="tree" if h.origin == "tree" else "diff")


@rule("RACE001", "unlocked-negative-unhash", Severity.ERROR, Scope.REVISION)
def unlocked_negative_unhash(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags `d_drop()` / `__d_drop()` of a dentry whose negativity decided the
    drop but was tested without that dentry's `d_lock`, and without the
    parent directory's inode lock held across both the test and the drop.

    ## Why is this bad?
    A negative dentry you hold a reference on can turn positive at any moment:
    another task creating the name instantiates the same dentry.  Between the
    test and the unhash the name may have been created, and the file then
    looks deleted to every later lookup.

    ## Example
    ```c
    this = lookup_one_len_unlocked(name, base, len);
    if (d_is_negative(this)) {
            d_drop(this);
            dput(this);
    }
    ```
    Use instead:
    ```c
    spin_lock(&this->d_lock);
    if (d_is_negative(this) && this->d_lockref.count == 1)
            __d_drop(this);
    spin_unlock(&this->d_lock);
    ```

    ## References
    Locking rules brief, facts 2 and 3.
    """
    yield from _report(ctx, "RACE001")


@rule("RACE002", "unhash-without-d-lock", Severity.ERROR, Scope.REVISION)
def unhash_without_d_lock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a call to a dcache helper that the kernel API table says needs the
    dentry's `d_lock` (`__d_drop()`, `__d_rehash()`, `dget_dlock()` ...), and
    writes to `dentry->d_flags`, when that dentry's `d_lock` is not held.
    A lock held on another dentry, or on the parent, does not count.

    ## Why is this bad?
    These helpers update the hash chains and flags that lookups read under
    `d_lock`; without it concurrent updates are lost or the hash list is
    corrupted.  Only a dentry nobody else can see yet (just allocated) is
    exempt.

    ## Example
    ```c
    spin_lock(&parent->d_lock);
    __d_drop(dentry);
    spin_unlock(&parent->d_lock);
    ```
    Use instead:
    ```c
    spin_lock(&dentry->d_lock);
    __d_drop(dentry);
    spin_unlock(&dentry->d_lock);
    ```

    ## References
    Locking rules brief, facts 1 and 7.
    """
    yield from _report(ctx, "RACE002")


@rule("RACE003", "negative-unhash-without-refcount", Severity.ERROR, Scope.REVISION)
def negative_unhash_without_refcount(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags unhashing a dentry in order to discard a negative one (the drop is
    decided by a negativity test) without checking, under the dentry's
    `d_lock`, that `d_lockref.count` (or `d_count()`) is 1.  Drops done with
    the parent directory's inode lock held, and unhashing positive dentries
    (unlink, rename), are not flagged.

    ## Why is this bad?
    If someone else holds a reference, the dentry may be in use or about to
    be made positive by them; unhashing it then makes a live file disappear
    from lookups.  Only the sole reference holder may discard a negative.

    ## Example
    ```c
    spin_lock(&dentry->d_lock);
    if (d_is_negative(dentry))
            __d_drop(dentry);
    spin_unlock(&dentry->d_lock);
    ```
    Use instead:
    ```c
    spin_lock(&dentry->d_lock);
    if (d_is_negative(dentry) && dentry->d_lockref.count == 1)
            __d_drop(dentry);
    spin_unlock(&dentry->d_lock);
    ```

    ## References
    Locking rules brief, facts 3 and 8.
    """
    yield from _report(ctx, "RACE003")


@rule("RACE004", "unlocked-refcount-decision", Severity.WARNING, Scope.REVISION)
def unlocked_refcount_decision(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a state change (unhash, kill, `d_flags` write) that is decided by a
    read of `d_lockref.count`, `d_count()` or `d_flags` taken outside the
    dentry's `d_lock` (and outside the parent's inode lock), with no recheck
    under `d_lock` before acting.  An unlocked pre-check that is repeated
    under the lock is the normal optimistic pattern and is not flagged.

    ## Why is this bad?
    The count and flags change under `d_lock` only; a value read without it
    is stale by the time the code acts, so the decision may be wrong.

    ## Example
    ```c
    if (d_count(dentry) == 1) {
            spin_lock(&dentry->d_lock);
            __d_drop(dentry);
            spin_unlock(&dentry->d_lock);
    }
    ```
    Use instead:
    ```c
    if (d_count(dentry) == 1) {
            spin_lock(&dentry->d_lock);
            if (dentry->d_lockref.count == 1)
                    __d_drop(dentry);
            spin_unlock(&dentry->d_lock);
    }
    ```

    ## References
    Locking rules brief, fact 9.
    """
    yield from _report(ctx, "RACE004")


@rule("RACE005", "lookup-parent-lock", Severity.ERROR, Scope.REVISION)
def lookup_parent_lock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a locked-lookup helper (`lookup_one_len()`, `lookup_one()`,
    `__lookup_slow()` ... as the kernel API table lists) called without the
    parent directory's inode lock held (shared or exclusive), and an
    `_unlocked` variant called while that lock is already held.

    ## Why is this bad?
    The locked helpers rely on the parent's `i_rwsem` to keep the directory
    stable while they ask the filesystem; without it two lookups can
    instantiate the same name.  The `_unlocked` variants take the lock
    themselves and would deadlock if it is held.

    ## Example
    ```c
    dentry = lookup_one_len(name, dir, len);
    ```
    Use instead:
    ```c
    inode_lock_shared(d_inode(dir));
    dentry = lookup_one_len(name, dir, len);
    inode_unlock_shared(d_inode(dir));
    ```

    ## References
    Locking rules brief, fact 4.
    """
    yield from _report(ctx, "RACE005")


@rule("RACE006", "unbalanced-lock", Severity.ERROR, Scope.REVISION)
def unbalanced_lock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a lock still held on some path out of the function (an early return
    or an error `goto`), a lock released twice or released when not held, and
    a lock taken while already held (including by a helper that takes it
    itself, such as `d_drop()` under the same `d_lock`).  Functions whose name
    or `__acquires()` annotation says they return locked are not checked for
    leaks, and locks the caller holds (`__releases()`, `__must_hold()`, or only
    released here) may be released.

    ## Why is this bad?
    A leaked spinlock deadlocks the next taker; a double release corrupts the
    lock; taking a held spinlock again deadlocks at once.

    ## Example
    ```c
    spin_lock(&p->lock);
    if (v < 0)
            return -EINVAL;
    p->value = v;
    spin_unlock(&p->lock);
    ```
    Use instead:
    ```c
    if (v < 0)
            return -EINVAL;
    spin_lock(&p->lock);
    p->value = v;
    spin_unlock(&p->lock);
    ```

    ## References
    Locking rules brief, fact 6.
    """
    yield from _report(ctx, "RACE006")


@rule("RACE007", "sleep-in-atomic", Severity.ERROR, Scope.REVISION)
def sleep_in_atomic(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a call that may sleep (`dput()`, `iput()`, lookups, `inode_lock()`,
    `mutex_lock()`, `GFP_KERNEL` allocations ... per the kernel API table)
    while a spinlock, rwlock or the RCU read lock is held.

    ## Why is this bad?
    Sleeping in atomic context is a bug: it can deadlock or trigger
    "scheduling while atomic".  `dput()` also takes the dentry's `d_lock`, so
    calling it under that lock deadlocks outright.

    ## Example
    ```c
    spin_lock(&parent->d_lock);
    list_del_init(&child->d_child);
    dput(child);
    spin_unlock(&parent->d_lock);
    ```
    Use instead:
    ```c
    spin_lock(&parent->d_lock);
    list_del_init(&child->d_child);
    spin_unlock(&parent->d_lock);
    dput(child);
    ```

    ## References
    Locking rules brief, facts 5 and 6.
    """
    yield from _report(ctx, "RACE007")


@rule("RACE008", "use-after-dput", Severity.ERROR, Scope.REVISION)
def use_after_dput(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a dentry dereferenced or passed to a function after the `dput()`
    that dropped the reference the code held on it, on the same path and
    without the variable being reassigned in between.

    ## Why is this bad?
    The `dput()` may have dropped the last reference: the dentry can be
    freed (or reused) at once, so any later access reads freed memory.

    ## Example
    ```c
    dput(dentry);
    if (dentry->d_flags & DCACHE_OP_REVALIDATE)
            return 1;
    ```
    Use instead:
    ```c
    unsigned int flags = dentry->d_flags;

    dput(dentry);
    if (flags & DCACHE_OP_REVALIDATE)
            return 1;
    ```

    ## References
    Locking rules brief, fact 5.
    """
    yield from _report(ctx, "RACE008")
