/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_DCACHE_H
#define _LINUX_DCACHE_H

#include <linux/lockref.h>
#include <linux/types.h>

struct inode;
struct super_block;

/* A name with its length and hash, as stored in a dentry. */
struct qstr {
	const char *name;
	u32 len;
	u32 hash;
};

#define DCACHE_OP_REVALIDATE	0x00000004
#define DCACHE_ENTRY_TYPE	0x00700000
#define DCACHE_MISS_TYPE	0x00000000	/* negative: no inode */
#define DCACHE_DIRECTORY_TYPE	0x00200000
#define DCACHE_REGULAR_TYPE	0x00400000

struct dentry_operations {
	int (*d_revalidate)(struct dentry *dentry, unsigned int flags);
};

/*
 * A directory entry.  A negative dentry remembers that a name does not
 * exist; a later create in the same directory turns it positive in place.
 */
struct dentry {
	unsigned int d_flags;		/* written under d_lock */
	struct dentry *d_hash_next;	/* hash chain */
	struct dentry **d_hash_pprev;	/* NULL while unhashed */
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;		/* NULL when negative */
	struct lockref d_lockref;	/* d_lock and the reference count */
	const struct dentry_operations *d_op;
	struct super_block *d_sb;
	void *d_fsdata;			/* owned by the filesystem */
};

#define d_lock	d_lockref.lock

/* Unlocked read: only a hint unless d_lock is held. */
static inline unsigned int d_count(const struct dentry *dentry)
{
	return dentry->d_lockref.count;
}

static inline bool d_unhashed(const struct dentry *dentry)
{
	return !dentry->d_hash_pprev;
}

static inline unsigned int __d_entry_type(const struct dentry *dentry)
{
	return dentry->d_flags & DCACHE_ENTRY_TYPE;
}

static inline bool d_is_dir(const struct dentry *dentry)
{
	return __d_entry_type(dentry) == DCACHE_DIRECTORY_TYPE;
}

static inline bool d_is_negative(const struct dentry *dentry)
{
	return __d_entry_type(dentry) == DCACHE_MISS_TYPE;
}

static inline bool d_really_is_negative(const struct dentry *dentry)
{
	return dentry->d_inode == NULL;
}

static inline struct inode *d_inode(const struct dentry *dentry)
{
	return dentry->d_inode;
}

static inline struct dentry *dget(struct dentry *dentry)
{
	if (dentry)
		lockref_get(&dentry->d_lockref);
	return dentry;
}

u32 full_name_hash(const void *salt, const char *name, unsigned int len);
extern struct dentry *d_alloc(struct dentry *parent, const struct qstr *name);
extern void d_add(struct dentry *dentry, struct inode *inode);
extern struct dentry *d_lookup(const struct dentry *parent,
			       const struct qstr *name);
extern void __d_drop(struct dentry *dentry);
extern void d_drop(struct dentry *dentry);
extern void dput(struct dentry *dentry);

#endif /* _LINUX_DCACHE_H */
