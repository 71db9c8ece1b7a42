// SPDX-License-Identifier: GPL-2.0
/*
 * Single-component name lookup: first in the dentry cache, then, with the
 * directory's inode lock held, by asking the filesystem.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/namei.h>

/* Return a cached dentry for @name in @dir, positive or negative. */
static struct dentry *lookup_dcache(const struct qstr *name,
				    struct dentry *dir,
				    unsigned int flags)
{
	struct dentry *dentry = d_lookup(dir, name);

	if (dentry && dentry->d_op && dentry->d_op->d_revalidate) {
		int error = dentry->d_op->d_revalidate(dentry, flags);

		if (error <= 0) {
			dput(dentry);
			return error < 0 ? ERR_PTR(error) : NULL;
		}
	}
	return dentry;
}

/*
 * Ask the filesystem about @name.  The caller holds dir's inode lock, at
 * least shared, so the name cannot be created or removed meanwhile.
 */
static struct dentry *__lookup_slow(const struct qstr *name,
				    struct dentry *dir,
				    unsigned int flags)
{
	struct inode *inode = dir->d_inode;
	struct dentry *dentry, *old;

	/* Someone may have looked it up while we waited for the lock. */
	dentry = lookup_dcache(name, dir, flags);
	if (dentry)
		return dentry;
	dentry = d_alloc(dir, name);
	if (!dentry)
		return ERR_PTR(-ENOMEM);
	old = inode->i_op->lookup(inode, dentry, flags);
	if (old) {
		dput(dentry);
		dentry = old;
	}
	return dentry;
}

static struct dentry *lookup_slow(const struct qstr *name,
				  struct dentry *dir,
				  unsigned int flags)
{
	struct inode *inode = dir->d_inode;
	struct dentry *res;

	inode_lock_shared(inode);
	res = __lookup_slow(name, dir, flags);
	inode_unlock_shared(inode);
	return res;
}

/* Fill in @this for @name and refuse names that are not one component. */
static int lookup_one_len_common(const char *name, struct dentry *base,
				 int len, struct qstr *this)
{
	this->name = name;
	this->len = len;
	this->hash = full_name_hash(base, name, len);
	if (!len)
		return -EACCES;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return -EACCES;
	while (len--) {
		char c = *name++;

		if (c == '/' || c == '\0')
			return -EACCES;
	}
	return 0;
}

/* The caller must hold base's inode lock. */
struct dentry *lookup_one_len(const char *name, struct dentry *base, int len)
{
	struct dentry *dentry;
	struct qstr this;
	int err;

	err = lookup_one_len_common(name, base, len, &this);
	if (err)
		return ERR_PTR(err);
	dentry = lookup_dcache(&this, base, 0);
	return dentry ? dentry : __lookup_slow(&this, base, 0);
}
EXPORT_SYMBOL(lookup_one_len);

/*
 * Like lookup_one_len(), but takes base's inode lock itself when the cache
 * cannot answer.  The result may be negative, and since no lock is held
 * any more, a negative result may turn positive at any time.
 */
struct dentry *lookup_one_len_unlocked(const char *name,
				       struct dentry *base, int len)
{
	struct dentry *ret;
	struct qstr this;
	int err;

	err = lookup_one_len_common(name, base, len, &this);
	if (err)
		return ERR_PTR(err);
	ret = lookup_dcache(&this, base, 0);
	if (!ret)
		ret = lookup_slow(&this, base, 0);
	return ret;
}
EXPORT_SYMBOL(lookup_one_len_unlocked);

/* Like lookup_one_len_unlocked(), but a negative result is -ENOENT. */
struct dentry *lookup_positive_unlocked(const char *name,
					struct dentry *base, int len)
{
	struct dentry *ret = lookup_one_len_unlocked(name, base, len);

	if (!IS_ERR(ret) && d_is_negative(ret)) {
		dput(ret);
		ret = ERR_PTR(-ENOENT);
	}
	return ret;
}
EXPORT_SYMBOL(lookup_positive_unlocked);
