// SPDX-License-Identifier: GPL-2.0
/*
 * A small directory entry cache.  Dentries are hashed by parent and name,
 * so a repeated lookup, including one for a name that does not exist (a
 * negative dentry), does not have to ask the filesystem again.
 */
#include <linux/dcache.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#define D_HASH_SIZE	256

static struct dentry *dentry_hashtable[D_HASH_SIZE];

static struct dentry **d_hash(const struct dentry *parent, u32 hash)
{
	return &dentry_hashtable[(hash + (unsigned long)parent) % D_HASH_SIZE];
}

u32 full_name_hash(const void *salt, const char *name, unsigned int len)
{
	u32 hash = (unsigned long)salt;

	while (len--)
		hash = hash * 31 + (unsigned char)*name++;
	return hash;
}

/* A new, unhashed dentry holding one reference; only its creator sees it. */
struct dentry *d_alloc(struct dentry *parent, const struct qstr *name)
{
	struct dentry *dentry = kzalloc(sizeof(*dentry), GFP_KERNEL);

	if (!dentry)
		return NULL;
	spin_lock_init(&dentry->d_lock);
	dentry->d_lockref.count = 1;
	dentry->d_name = *name;
	dentry->d_parent = dget(parent);
	dentry->d_sb = parent->d_sb;
	dentry->d_op = parent->d_op;
	return dentry;
}
EXPORT_SYMBOL(d_alloc);

/* Attach @inode (NULL for a name that does not exist) and hash @dentry. */
void d_add(struct dentry *dentry, struct inode *inode)
{
	struct dentry **head = d_hash(dentry->d_parent, dentry->d_name.hash);

	spin_lock(&dentry->d_lock);
	dentry->d_inode = inode;
	dentry->d_flags &= ~DCACHE_ENTRY_TYPE;
	if (inode)
		dentry->d_flags |= S_ISDIR(inode->i_mode) ?
			DCACHE_DIRECTORY_TYPE : DCACHE_REGULAR_TYPE;
	dentry->d_hash_next = *head;
	if (*head)
		(*head)->d_hash_pprev = &dentry->d_hash_next;
	*head = dentry;
	dentry->d_hash_pprev = head;
	spin_unlock(&dentry->d_lock);
}
EXPORT_SYMBOL(d_add);

/* Find the hashed child @name of @parent and take a reference to it. */
struct dentry *d_lookup(const struct dentry *parent, const struct qstr *name)
{
	struct dentry *dentry;

	for (dentry = *d_hash(parent, name->hash); dentry;
	     dentry = dentry->d_hash_next) {
		if (dentry->d_parent != parent ||
		    dentry->d_name.len != name->len ||
		    memcmp(dentry->d_name.name, name->name, name->len))
			continue;
		spin_lock(&dentry->d_lock);
		if (d_unhashed(dentry)) {
			spin_unlock(&dentry->d_lock);
			continue;
		}
		dentry->d_lockref.count++;
		spin_unlock(&dentry->d_lock);
		return dentry;
	}
	return NULL;
}
EXPORT_SYMBOL(d_lookup);

/*
 * Unhash @dentry so that lookups no longer find it.  The caller holds
 * dentry->d_lock.
 */
void __d_drop(struct dentry *dentry)
{
	if (d_unhashed(dentry))
		return;
	*dentry->d_hash_pprev = dentry->d_hash_next;
	if (dentry->d_hash_next)
		dentry->d_hash_next->d_hash_pprev = dentry->d_hash_pprev;
	dentry->d_hash_pprev = NULL;
}
EXPORT_SYMBOL(__d_drop);

void d_drop(struct dentry *dentry)
{
	spin_lock(&dentry->d_lock);
	__d_drop(dentry);
	spin_unlock(&dentry->d_lock);
}
EXPORT_SYMBOL(d_drop);

/*
 * Put a reference.  When the last one goes, a hashed dentry stays in the
 * cache (this is how negative dentries are remembered) and an unhashed one
 * is freed.  May sleep: never call it with a spinlock held.
 */
void dput(struct dentry *dentry)
{
	struct dentry *parent;

	if (!dentry)
		return;
	spin_lock(&dentry->d_lock);
	if (--dentry->d_lockref.count > 0 || !d_unhashed(dentry)) {
		spin_unlock(&dentry->d_lock);
		return;
	}
	spin_unlock(&dentry->d_lock);
	parent = dentry->d_parent;
	kfree(dentry);
	if (parent != dentry)
		dput(parent);
}
EXPORT_SYMBOL(dput);
