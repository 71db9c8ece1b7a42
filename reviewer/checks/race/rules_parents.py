"""Race rules on a dentry's parent: RACE009."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.rules import ENGINE, report
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity


@rule("RACE009", "unpinned-parent-inode", Severity.ERROR, Scope.REVISION, version=3,
      depends=ENGINE)
def unpinned_parent_inode(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags the inode of a dentry's parent (`d_inode(d->d_parent)`,
    `d->d_parent->d_inode`) dereferenced or passed on without a NULL check,
    where nothing pins the parent: no reference taken with `dget_parent()`,
    no inode lock on it (the VFS holds one around inode operations).  A
    dentry the caller passes in counts as pinned, unless it is seen in
    RCU-walk or under `rcu_read_lock()`, or the code the patch replaces read
    that very inode once (`d_inode_rcu()`, `READ_ONCE()`) or held the
    child's `d_lock` around that line (the patch removes both the lock and
    its release): its author's own statement that it can change there.

    ## Why is this bad?
    `d->d_parent` changes under a concurrent rename, and the old parent can
    then be killed; in RCU-walk mode (`->d_compare`, `->d_revalidate` with
    `LOOKUP_RCU`) `d` itself may be unreferenced and dying.  Either way the
    inode read can be NULL, or another directory's.  Holding `d->d_lock`
    keeps `d_parent` from changing but does not keep the parent positive.

    ## Example
    ```c
    next = igrab(d_inode(dentry->d_parent));
    ```
    Use instead:
    ```c
    parent = dget_parent(dentry);
    next = igrab(d_inode(parent));
    dput(parent);
    ```
    or, where no reference can be taken (RCU-walk), read it once and check:
    ```c
    struct inode *dir = d_inode_rcu(dentry->d_parent);

    if (!dir)
            return -ECHILD;
    ```

    ## References
    Locking rules brief, facts 7 and 10; Documentation/filesystems/vfs.rst
    (d_compare, d_revalidate).
    """
    yield from report(ctx, "RACE009")


@rule("RACE010", "rcu-walk-inode-reload", Severity.ERROR, Scope.REVISION, version=2,
      depends=ENGINE)
def rcu_walk_inode_reload(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags, on the RCU-walk path of a lookup-time callback (the branch where
    `flags & LOOKUP_RCU` or `mask & MAY_NOT_BLOCK` is set), a plain load of a
    dentry's inode (`d_inode(d)`, `d->d_inode`) after the code tested that
    dentry's positivity or negativity.  The same outside RCU-walk where the
    code the patch replaces read that inode once (`READ_ONCE()`,
    `d_inode_rcu()`): its author's statement that it is not stable there;
    there a test made after the inode was loaded into a variable is flagged
    too (the test and the value kept may disagree).

    ## Why is this bad?
    In RCU-walk mode the dentry is not referenced: it can turn negative, or
    be killed, between the test and the new load.  The inode loaded is not
    the one tested and can be NULL.  The value must be read once, with
    `d_inode_rcu()` (or `READ_ONCE()`), and that value tested and used.

    ## Example
    ```c
    if (flags & LOOKUP_RCU) {
            if (d_really_is_positive(dentry) &&
                foo_snap(d_inode(dentry)) == FOO_SNAPDIR)
                    return 1;
    }
    ```
    Use instead:
    ```c
    if (flags & LOOKUP_RCU) {
            struct inode *inode = d_inode_rcu(dentry);

            if (inode && foo_snap(inode) == FOO_SNAPDIR)
                    return 1;
    }
    ```

    ## References
    Locking rules brief, facts 2 and 10; Documentation/filesystems/
    path-lookup.rst (RCU-walk).
    """
    yield from report(ctx, "RACE010")


@rule("RACE013", "parent-lock-under-child", Severity.ERROR, Scope.REVISION, depends=ENGINE)
def parent_lock_under_child(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags taking a dentry's parent's `d_lock` while the child's `d_lock` is
    held: `spin_lock(&d->d_parent->d_lock)`, or `dget(d->d_parent)`, which
    takes it when the reference count cannot be bumped locklessly.  Trylocks
    are not flagged.

    ## Why is this bad?
    The dcache takes `d_lock`s parent before child (`spin_lock_nested()` on
    the child under the parent's).  Taking them the other way round
    deadlocks against any task walking down the tree.

    ## Example
    ```c
    spin_lock(&dentry->d_lock);
    parent = dget(dentry->d_parent);
    spin_unlock(&dentry->d_lock);
    ```
    Use instead:
    ```c
    parent = dget_parent(dentry);
    ```

    ## References
    Locking rules brief, fact 7.
    """
    yield from report(ctx, "RACE013")


@rule("RACE018", "unpinned-parent-dget", Severity.ERROR, Scope.REVISION, depends=ENGINE)
def unpinned_parent_dget(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a reference taken on a dentry's parent read straight from
    `d->d_parent` (`dget(d->d_parent)`) where nothing keeps `d` from being
    renamed: no `d->d_lock`, no inode lock on the parent, and `d` a dentry
    this code looked up or found (or seen under RCU), not one the VFS hands
    to an inode operation with its parent locked.

    ## Why is this bad?
    Between reading `d->d_parent` and `dget()` incrementing its count, a
    rename can move `d` and drop the last reference on the old parent, so
    the reference is taken on freed memory.  `dget_parent()` reads the
    parent and takes the reference safely (under RCU, rechecking
    `d_parent`).

    ## Example
    ```c
    alias = d_find_alias(inode);
    dir = dget(alias->d_parent);
    dput(alias);
    ```
    Use instead:
    ```c
    alias = d_find_alias(inode);
    dir = dget_parent(alias);
    dput(alias);
    ```

    ## References
    Locking rules brief, fact 7 (a lock protects the object it was taken on).
    """
    yield from report(ctx, "RACE018")
