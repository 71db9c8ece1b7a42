// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernfs: mounting, and finding the dentry of a node.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/string.h>

struct kernfs_node {
	const char *name;
	struct kernfs_node *parent;
};

static inline struct kernfs_node *kernfs_root_node(struct super_block *sb)
{
	return sb->s_fs_info;
}

/* The ancestor of @kn (or @kn itself) that is a child of @parent. */
static struct kernfs_node *find_next_ancestor(struct kernfs_node *kn,
					      struct kernfs_node *parent)
{
	while (kn && kn->parent != parent)
		kn = kn->parent;
	return kn;
}

/* Walk down from the root of @sb to the dentry that stands for @kn. */
struct dentry *kernfs_node_dentry(struct kernfs_node *kn,
				  struct super_block *sb)
{
	struct kernfs_node *knparent = kernfs_root_node(sb);
	struct dentry *dentry = dget(sb->s_root);

	while (knparent != kn) {
		struct kernfs_node *next = find_next_ancestor(kn, knparent);
		struct dentry *child;

		if (!next) {
			dput(dentry);
			return ERR_PTR(-EINVAL);
		}
		child = lookup_positive_unlocked(next->name, dentry,
						 strlen(next->name));
		dput(dentry);
		if (IS_ERR(child))
			return child;
		dentry = child;
		knparent = next;
	}
	return dentry;
}
