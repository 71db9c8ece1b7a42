"""Race rules on unhashing and other state changes of a dentry: RACE001..RACE004."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.rules import ENGINE, report
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity


@rule("RACE001", "unlocked-negative-unhash", Severity.ERROR, Scope.REVISION, version=2,
      depends=ENGINE)
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
    yield from report(ctx, "RACE001")


@rule("RACE002", "unhash-without-d-lock", Severity.ERROR, Scope.REVISION, version=2, depends=ENGINE)
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
    yield from report(ctx, "RACE002")


@rule("RACE003", "negative-unhash-without-refcount", Severity.ERROR, Scope.REVISION, version=2,
      depends=ENGINE)
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
    yield from report(ctx, "RACE003")


@rule("RACE004", "unlocked-refcount-decision", Severity.WARNING, Scope.REVISION, version=2,
      depends=ENGINE)
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
    yield from report(ctx, "RACE004")


@rule("RACE012", "negativity-after-parent-unlock", Severity.ERROR, Scope.REVISION, depends=ENGINE)
def negativity_after_parent_unlock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags acting on a dentry (instantiating, publishing or changing it) on
    the strength of a negativity test made after the parent directory's
    inode lock, held for the dentry's lookup, was released.

    ## Why is this bad?
    A negative dentry stays negative only while the parent's inode lock is
    held: once it is dropped, another task can create the name and make the
    same dentry positive.  Instantiating it then, or deciding it is free,
    races with that create.

    ## Example
    ```c
    inode_lock(d_inode(parent));
    dentry = lookup_one_len(name, parent, len);
    inode_unlock(d_inode(parent));
    if (d_is_negative(dentry))
            d_instantiate(dentry, inode);
    ```
    Use instead:
    ```c
    inode_lock(d_inode(parent));
    dentry = lookup_one_len(name, parent, len);
    if (d_is_negative(dentry))
            d_instantiate(dentry, inode);
    inode_unlock(d_inode(parent));
    ```

    ## References
    Locking rules brief, facts 2 and 4.
    """
    yield from report(ctx, "RACE012")


@rule("RACE017", "recheck-dropped", Severity.WARNING, Scope.REVISION, depends=ENGINE)
def recheck_dropped(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a decision the patch rewrites in place of removed lines that
    tested a dentry's changeable state (`d_unhashed()`, `d_is_negative()`,
    `IS_DEADDIR()` ... as the kernel API table lists), when the new
    decision is still about that object but no longer tests that state.

    ## Why is this bad?
    Such a state changes under a concurrent unlink, rename or create: the
    code it replaces rechecked it at this point, typically after taking the
    locks that make the answer hold (`lock_rename()`, the parent's inode
    lock).  Any test made earlier, before those locks, may be stale by now,
    and acting on it renames or links an object that was already removed.

    ## Example
    ```c
    trap = lock_rename(workdir, upperdir);
    if (work->d_parent != workdir)
            goto err_unlock;
    ```
    Use instead:
    ```c
    trap = lock_rename(workdir, upperdir);
    if (work->d_parent != workdir || d_unhashed(work))
            goto err_unlock;
    ```

    ## References
    Locking rules brief, facts 2 and 9.
    """
    yield from report(ctx, "RACE017")


@rule("RACE019", "lost-state-bailout", Severity.WARNING, Scope.REVISION, depends=ENGINE)
def lost_state_bailout(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a decision the patch rewrites in place of removed lines when the
    new one still tests a dentry's changeable state (`d_is_negative()`,
    `d_unhashed()` ... as the kernel API table lists) but no longer leaves
    (`goto`, `return`) in a case the old one left in, and that case is
    defined by that state.  Both versions must be made of tests and jumps
    only; every combination of their conditions is tried.

    ## Why is this bad?
    The old code gave up when the object was in that state together with
    some other condition (a negative target of a `RENAME_EXCHANGE`); the
    code after the decision now runs with it in that state, which it was
    not written for.  Such states change under concurrent creates, unlinks
    and renames, so the case is reachable even when a test made earlier,
    before the locks, said otherwise.

    ## Example
    ```c
    if (!d_is_negative(newdentry) && !is_whiteout(newdentry))
            goto out;
    ```
    replacing
    ```c
    if (!d_is_negative(newdentry)) {
            if (!is_whiteout(newdentry))
                    goto out;
    } else if (flags & RENAME_EXCHANGE) {
            goto out;
    }
    ```
    Use instead: keep the case (`|| (d_is_negative(newdentry) && (flags &
    RENAME_EXCHANGE))`), or say in the patch why it cannot happen.

    ## References
    Locking rules brief, facts 2 and 9.
    """
    yield from report(ctx, "RACE019")
