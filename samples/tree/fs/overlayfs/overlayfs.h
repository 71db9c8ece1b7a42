/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _OVERLAYFS_H
#define _OVERLAYFS_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/types.h>

/* State of one name lookup while it moves down the layers. */
struct ovl_lookup_data {
	struct qstr name;
	bool is_dir;	/* the last dentry found is a directory */
	bool last;	/* a non-directory hides all layers below it */
};

/* The real dentries behind an overlay dentry, kept in d_fsdata. */
struct ovl_entry {
	struct dentry *upper;
	unsigned int numlower;
	struct dentry *lower[];
};

static inline struct ovl_entry *OVL_E(struct dentry *dentry)
{
	return dentry->d_fsdata;
}

static inline struct dentry *ovl_dentry_upper(struct dentry *dentry)
{
	return OVL_E(dentry)->upper;
}

static inline unsigned int ovl_numlower(struct dentry *dentry)
{
	return OVL_E(dentry)->numlower;
}

static inline struct dentry *ovl_dentry_lower(struct dentry *dentry,
					      unsigned int layer)
{
	return OVL_E(dentry)->lower[layer];
}

/* util.c */
struct dentry *ovl_instantiate_lookup(struct dentry *dentry,
				      struct dentry *upper,
				      struct dentry *lower);

/* namei.c */
struct dentry *ovl_lookup(struct inode *dir, struct dentry *dentry,
			  unsigned int flags);

#endif /* _OVERLAYFS_H */
