// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: a small filesystem for kernel debugging files.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/string.h>

static struct super_block *debugfs_sb;
static bool debugfs_initialized;

/**
 * debugfs_lookup() - find an existing file or directory in debugfs
 * @name: the name to look for
 * @parent: the directory to look in, or NULL for the debugfs root
 *
 * Return: a referenced dentry that the caller must dput(), or NULL if
 * there is no such entry.
 */
struct dentry *debugfs_lookup(const char *name, struct dentry *parent)
{
	struct dentry *dentry;

	if (!debugfs_initialized || IS_ERR_OR_NULL(name))
		return NULL;
	if (!parent)
		parent = debugfs_sb->s_root;

	dentry = lookup_positive_unlocked(name, parent, strlen(name));
	if (IS_ERR(dentry))
		return NULL;
	return dentry;
}
EXPORT_SYMBOL_GPL(debugfs_lookup);
