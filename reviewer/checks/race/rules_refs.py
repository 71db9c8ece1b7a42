"""Race rules on references: RACE008, RACE011, RACE015, RACE016."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.rules import ENGINE, report
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity


@rule("RACE008", "use-after-dput", Severity.ERROR, Scope.REVISION, version=4, depends=ENGINE)
def use_after_dput(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags an object dereferenced or passed to a function after the put that
    dropped the reference the code held on it (`dput()`, `iput()`, the
    table's puts, a one-argument helper named as a put such as
    `btrfs_add_delayed_iput()`, or `d_splice_alias()`, which consumes its
    inode) or after the object was freed (`kfree()`, `kvfree()`,
    `kmem_cache_free()`), on the same path and without the variable being reassigned in
    between; and a pointer read from a dentry (`dir = d_inode(parent)`,
    `d->d_parent`) used after the put of that dentry.  A put given a
    member's address drops the object's own reference when the member is
    its counter (`kref_put(&x->refcount, release)`, `put_device(&x->dev)`)
    or the counted object the name puts (`foo_put_stid(&x->dl_stid)`), not
    when the member holds references of its own (`path_put(&nd->path)`); an
    object's member found with `container_of()` goes with the object.

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
    yield from report(ctx, "RACE008")


@rule("RACE015", "put-field-left-dangling", Severity.ERROR, Scope.REVISION, depends=ENGINE)
def put_field_left_dangling(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a put of a reference held in a structure's field (`..._put(x->f)`)
    after which the patch removes the line that cleared the field
    (`x->f = NULL`): the field now keeps pointing at the object whose
    reference was dropped.

    ## Why is this bad?
    The structure outlives the call: whoever later puts or reads `x->f`
    (a release path, the next call) drops the reference a second time or
    reads freed memory.  The code the patch replaces cleared the field for
    that reason.

    ## Example
    ```c
    ceph_mdsc_put_request(dfi->last_readdir);
    goto out;
    ```
    Use instead:
    ```c
    ceph_mdsc_put_request(dfi->last_readdir);
    dfi->last_readdir = NULL;
    goto out;
    ```

    ## References
    Locking rules brief, fact 5.
    """
    yield from report(ctx, "RACE015")


@rule("RACE011", "ref-after-unlock", Severity.ERROR, Scope.REVISION, version=2, depends=ENGINE)
def ref_after_unlock(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a reference taken (`dget()`, a `*_get()` helper) on a pointer that
    was read while a spinlock or the RCU read lock was held, after that lock
    was released: the lock that kept the object alive was dropped before
    the reference that should replace it was taken.  A pointer found under
    the RCU read lock alone and then locked itself (`spin_lock(&d->d_lock)`)
    is kept alive by that own lock, so a get after its unlock is late too;
    where the pointer's origin is not shown, so is a get the patch moves
    from under the object's lock (`dget_dlock()`) to after its unlock,
    unless the pointer is a parameter (the caller's reference pins it).

    ## Why is this bad?
    Between the unlock and the get, the object can be killed and freed (its
    last reference dropped by someone else): the get then revives freed
    memory.  The reference must be taken while the lock still pins the
    object, e.g. with `dget_dlock()` under `d_lock`.

    ## Example
    ```c
    spin_lock(&parent->d_lock);
    list_for_each_entry(child, &parent->d_subdirs, d_child) {
            if (foo_match(child, name)) {
                    spin_unlock(&parent->d_lock);
                    return dget(child);
            }
    }
    spin_unlock(&parent->d_lock);
    ```
    Use instead:
    ```c
    spin_lock(&parent->d_lock);
    list_for_each_entry(child, &parent->d_subdirs, d_child) {
            if (foo_match(child, name)) {
                    spin_lock_nested(&child->d_lock, DENTRY_D_LOCK_NESTED);
                    dget_dlock(child);
                    spin_unlock(&child->d_lock);
                    spin_unlock(&parent->d_lock);
                    return child;
            }
    }
    spin_unlock(&parent->d_lock);
    ```

    ## References
    Locking rules brief, facts 1 and 5; Documentation/filesystems/
    path-lookup.rst.
    """
    yield from report(ctx, "RACE011")


@rule("RACE016", "link-without-ref", Severity.WARNING, Scope.REVISION, depends=ENGINE)
def link_without_ref(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags an object linked into a list (`list_add()`, `hlist_add_head()`
    ... as the kernel API table lists) right where the lines the patch
    removes took a reference on it first (`ihold()`, `dget()`, `*_get()`),
    when the new code takes none there.

    ## Why is this bad?
    The replaced code says the list holds its own reference: whoever walks
    the list later (a flush worker, another CPU) may reach the object after
    its other holders dropped theirs.  Without that reference the list
    points at freed memory.

    ## Example
    ```c
    spin_lock(&mdsc->flush_lock);
    if (list_empty(&ci->flush_item))
            list_add_tail(&ci->flush_item, &mdsc->flush_list);
    spin_unlock(&mdsc->flush_lock);
    ```
    Use instead:
    ```c
    spin_lock(&mdsc->flush_lock);
    if (list_empty(&ci->flush_item)) {
            ihold(inode);
            list_add_tail(&ci->flush_item, &mdsc->flush_list);
    }
    spin_unlock(&mdsc->flush_lock);
    ```
    and drop that reference where the object leaves the list.

    ## References
    Locking rules brief, fact 5 (never touch an object after its last
    reference).
    """
    yield from report(ctx, "RACE016")
