// SPDX-License-Identifier: GPL-2.0
/*
 * Reconnect dentries that were found from a file handle to the tree of
 * their filesystem, so that they get a proper path.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/string.h>

/* Asks the filesystem for the name of @child in @parent. */
int exportfs_get_name(struct dentry *parent, struct dentry *child,
		      char *name);

/*
 * Check that looking up @dentry's name in @parent finds @dentry itself;
 * if not, it was renamed or removed meanwhile and the handle is stale.
 */
int exportfs_check_name(struct dentry *parent, struct dentry *dentry,
			char *nbuf)
{
	struct dentry *tmp;
	int err;

	err = exportfs_get_name(parent, dentry, nbuf);
	if (err)
		return err;

	tmp = lookup_one_len_unlocked(nbuf, parent, strlen(nbuf));
	if (IS_ERR(tmp))
		return PTR_ERR(tmp);
	err = tmp == dentry ? 0 : -ESTALE;
	dput(tmp);
	return err;
}
EXPORT_SYMBOL_GPL(exportfs_check_name);
