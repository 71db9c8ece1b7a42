// SPDX-License-Identifier: GPL-2.0
/*
 * Generic disk quota support: switching quotas on and off.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/string.h>

int dquot_load_quota_inode(struct inode *inode, int type, int format_id);

/*
 * Turn quotas of @type on, using the file @qf_name in the root directory
 * of @sb, as named by the quota mount options.
 */
int dquot_quota_on_mount(struct super_block *sb, char *qf_name,
			 int format_id, int type)
{
	struct dentry *dentry;
	int error;

	dentry = lookup_positive_unlocked(qf_name, sb->s_root,
					  strlen(qf_name));
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);

	error = dquot_load_quota_inode(d_inode(dentry), type, format_id);
	dput(dentry);
	return error;
}
EXPORT_SYMBOL(dquot_quota_on_mount);
