"""A small kernel-like tree for the derived-facts tests: each function
shows one kind of fact (sleeping, gfp_t parameters, locks held or released,
annotations, requirements, references), plus bad C and files outside the
sets read."""

from __future__ import annotations

from reviewer.checks.race.factsolve import MAX_SLEEP_DEPTH

__all__ = ["FILES"]


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
