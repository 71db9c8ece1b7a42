// SPDX-License-Identifier: LGPL-2.1
/*
 * Mount-time helpers: a mount may name a directory below the root of the
 * share, and the root dentry of the mount is that directory.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/namei.h>

#define CIFS_DIR_SEP	'/'

/* Walk @path from the root of the share, one component at a time. */
static struct dentry *cifs_get_root(struct super_block *sb, const char *path)
{
	struct dentry *dentry = dget(sb->s_root);
	const char *p = path;

	while (*p) {
		struct dentry *child;
		const char *s;

		while (*p == CIFS_DIR_SEP)
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != CIFS_DIR_SEP)
			p++;
		if (!d_is_dir(dentry)) {
			dput(dentry);
			return ERR_PTR(-ENOTDIR);
		}
		child = lookup_positive_unlocked(s, dentry, p - s);
		dput(dentry);
		if (IS_ERR(child))
			return child;
		dentry = child;
	}
	return dentry;
}

struct dentry *cifs_mount_root(struct super_block *sb, const char *prefix)
{
	if (!prefix || !*prefix)
		return dget(sb->s_root);
	return cifs_get_root(sb, prefix);
}
EXPORT_SYMBOL_GPL(cifs_mount_root);
