"""Race rules on what a lock must cover and its balance: RACE005..RACE007,
RACE014, RACE020 and RACE021."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.rules import ENGINE, report
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity


@rule("RACE005", "lookup-parent-lock", Severity.ERROR, Scope.REVISION, version=2, depends=ENGINE)
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
    yield from report(ctx, "RACE005")


@rule("RACE006", "unbalanced-lock", Severity.ERROR, Scope.REVISION, version=3, depends=ENGINE)
def unbalanced_lock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a lock still held on a path out of the function that hands it to
    nobody, a lock released twice or released when not held, and a lock
    taken while already held (including by a helper that takes it itself,
    such as `d_drop()` or `dget()` under the same `d_lock`).  A leak needs a
    function that releases the lock itself somewhere (else it is a helper
    meant to return holding it); then an error return, any return holding
    the RCU read lock, a return of `NULL` or `false` while another path
    returns its result without the lock, and a return of a value also
    returned without the lock (`return 0` both ways) leak it.  Every
    lock/exit pair the code shows is judged, also in a function only partly
    in the patch; a path through lines the patch does not show is not, but
    gotos to one label outside the patch that disagree on a lock (held on
    one, released before another) are: one of them is wrong.  Functions
    whose name or `__acquires()` says they return locked are not checked
    for leaks, and locks the caller holds (`__releases()`, `__must_hold()`,
    `lockdep_assert_held()`, or only released here) may be released.

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
    yield from report(ctx, "RACE006")


@rule("RACE007", "sleep-in-atomic", Severity.ERROR, Scope.REVISION, version=3, depends=ENGINE)
def sleep_in_atomic(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a call that may sleep (`dput()`, `iput()`, lookups, `inode_lock()`,
    `mutex_lock()`, `GFP_KERNEL` allocations ... per the kernel API table,
    and any call given a sleeping GFP flag) while a spinlock, rwlock or the
    RCU read lock is held, also when it is held by every caller of a static
    function (read with `--tree`, where the whole file is seen).  Where the
    code seen does not show the lock taken, a release of it later on the
    same path, with no acquire (and no call that may take a lock) since,
    proves it was held at the sleeping call.

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
    yield from report(ctx, "RACE007")


@rule("RACE014", "lock-dropped-from-read", Severity.WARNING, Scope.REVISION, version=2,
      depends=ENGINE)
def lock_dropped_from_read(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a field read without a lock where the lines the patch removes took
    that very lock just to read the same field (`spin_lock(); v = s->gen;
    spin_unlock();` replaced by plain reads of `s->gen`; the release may be
    in a branch: `if (s->gen != gen) { spin_unlock(); return; }`).  Where
    the code seen does not say whether the lock is held at the read, the
    path taking it afterwards (not a trylock, no release between) proves it
    was not: a test moved out from under the lock.  Reads through
    `READ_ONCE()` or atomics, meant to be lockless, are not flagged.

    ## Why is this bad?
    The replaced code says the field is protected by the lock.  Read without
    it, the value can change between two reads, or between the read and the
    decision taken on it: two uses no longer agree, and a check passes on a
    value that is stale by the time it is acted on.

    ## Example
    ```c
    if (cap->cap_gen < session->s_cap_gen)
            cap->issued = 0;
    cap->cap_gen = session->s_cap_gen;
    ```
    Use instead:
    ```c
    spin_lock(&session->s_gen_ttl_lock);
    gen = session->s_cap_gen;
    spin_unlock(&session->s_gen_ttl_lock);
    if (cap->cap_gen < gen)
            cap->issued = 0;
    cap->cap_gen = gen;
    ```

    ## References
    Locking rules brief, facts 6 and 9.
    """
    yield from report(ctx, "RACE014")


@rule("RACE020", "exit-skips-unlock", Severity.ERROR, Scope.REVISION, depends=ENGINE)
def exit_skips_unlock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags an exit (`return`, `goto` another label) that the patch writes in
    place of a `goto` to a label that releases a lock (named `*unlock*` by
    kernel convention, or followed by a release such as `rcu_read_unlock()`),
    when an exit just above it still jumps to that label and nothing between
    the two takes or drops a lock.

    ## Why is this bad?
    The exit above says the lock is held there, and nothing after it
    changed that: the new exit leaves the function with the lock held.  The
    next taker deadlocks, or (for the RCU read lock) the task sleeps in an
    RCU read-side section.

    ## Example
    ```c
    if (error)
            goto out_unlock;
    error = foo_flush(inode);
    if (error)
            return error;
    ```
    Use instead:
    ```c
    if (error)
            goto out_unlock;
    error = foo_flush(inode);
    if (error)
            goto out_unlock;
    ```

    ## References
    Locking rules brief, fact 6 (locks are balanced on every path).
    """
    yield from report(ctx, "RACE020")


@rule("RACE021", "recheck-under-lock-removed", Severity.WARNING, Scope.REVISION, depends=ENGINE)
def recheck_under_lock_removed(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a lock taken right after a test of the same object that leaves
    (`goto`, `return`), where the lines the patch removes just after the
    lock tested that object again and, releasing the lock, left the same
    way: the recheck of a double-checked decision.  The pair of calls is
    the table's, or named `x_lock()` / `x_unlock()` on the same object.

    ## Why is this bad?
    The first test is made without the lock, as a cheap guess; another
    task may change the answer while this one waits for the lock.  Only the
    test made under the lock decides.  Without it, the code goes on to do
    what the other task already did (read a block into a buffer someone
    just brought up to date, and overwrite it).

    ## Example
    ```c
    if (buffer_uptodate(bh))
            goto has_buffer;
    lock_buffer(bh);
    submit_read(bh);
    ```
    Use instead:
    ```c
    if (buffer_uptodate(bh))
            goto has_buffer;
    lock_buffer(bh);
    if (buffer_uptodate(bh)) {
            unlock_buffer(bh);
            goto has_buffer;
    }
    submit_read(bh);
    ```

    ## References
    Locking rules brief, fact 9 (an unlocked read is only a hint).
    """
    yield from report(ctx, "RACE021")
