// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * eCryptfs: each file has a lower file whose name is the encrypted form
 * of the upper name.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>

/* main.c */
struct dentry *ecryptfs_lower_dentry(struct dentry *dentry);
/* crypto.c */
char *ecryptfs_encrypt_name(const char *name, int len, int *enc_len);
/* main.c */
struct dentry *ecryptfs_interpose(struct dentry *dentry,
				  struct dentry *lower_dentry);

static struct dentry *ecryptfs_lookup(struct inode *dir,
				      struct dentry *dentry,
				      unsigned int flags)
{
	struct dentry *lower_dir = ecryptfs_lower_dentry(dentry->d_parent);
	struct dentry *lower;
	char *enc_name;
	int enc_len;

	enc_name = ecryptfs_encrypt_name(dentry->d_name.name,
					 dentry->d_name.len, &enc_len);
	if (IS_ERR(enc_name))
		return ERR_CAST(enc_name);

	/* A negative lower dentry is fine: the upper one is negative too. */
	lower = lookup_one_len_unlocked(enc_name, lower_dir, enc_len);
	kfree(enc_name);
	if (IS_ERR(lower))
		return ERR_CAST(lower);
	return ecryptfs_interpose(dentry, lower);
}

const struct inode_operations ecryptfs_dir_iops = {
	.lookup		= ecryptfs_lookup,
};
