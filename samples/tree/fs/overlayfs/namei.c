// SPDX-License-Identifier: GPL-2.0-only
/*
 * Name lookup in an overlay: the upper layer is searched first, then each
 * lower layer from the top down, until a non-directory ends the search.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include "overlayfs.h"

/*
 * Look up one component in @base.  A name that is missing in this layer
 * is not an error: *ret is set to NULL and the next layer is tried.
 */
static int ovl_lookup_single(struct dentry *base, struct ovl_lookup_data *d,
			     const char *name, unsigned int namelen,
			     struct dentry **ret)
{
	struct dentry *this;
	int err;

	this = lookup_positive_unlocked(name, base, namelen);
	if (IS_ERR(this)) {
		err = PTR_ERR(this);
		this = NULL;
		if (err == -ENOENT || err == -ENAMETOOLONG)
			goto out;
		return err;
	}
	d->is_dir = d_is_dir(this);
	if (!d->is_dir)
		d->last = true;
out:
	*ret = this;
	return 0;
}

/* Look up d->name in the layer directory @base. */
static int ovl_lookup_layer(struct dentry *base, struct ovl_lookup_data *d,
			    struct dentry **ret)
{
	*ret = NULL;
	/* Only a directory can pass a name on to the layers below it. */
	if (!d_is_dir(base))
		return 0;
	return ovl_lookup_single(base, d, d->name.name, d->name.len, ret);
}

struct dentry *ovl_lookup(struct inode *dir, struct dentry *dentry,
			  unsigned int flags)
{
	struct dentry *parent = dentry->d_parent;
	struct dentry *upperdir = ovl_dentry_upper(parent);
	struct dentry *upper = NULL, *lower = NULL, *this;
	struct ovl_lookup_data d = {
		.name = dentry->d_name,
	};
	unsigned int i;
	int err;

	if (upperdir) {
		err = ovl_lookup_layer(upperdir, &d, &upper);
		if (err)
			return ERR_PTR(err);
	}
	for (i = 0; !d.last && i < ovl_numlower(parent); i++) {
		err = ovl_lookup_layer(ovl_dentry_lower(parent, i), &d, &this);
		if (err)
			goto out_put;
		/* Only the topmost lower dentry is kept. */
		if (this && !lower)
			lower = this;
		else
			dput(this);
	}
	/* With neither upper nor lower, the overlay dentry is negative. */
	return ovl_instantiate_lookup(dentry, upper, lower);

out_put:
	dput(lower);
	dput(upper);
	return ERR_PTR(err);
}
