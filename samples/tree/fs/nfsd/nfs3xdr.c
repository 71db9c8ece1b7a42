// SPDX-License-Identifier: GPL-2.0
/*
 * XDR helpers for NFSv3: READDIRPLUS sends a file handle with each entry.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/string.h>

struct svc_fh {
	struct dentry *fh_dentry;
};

struct nfsd3_readdirres {
	struct svc_fh fh;	/* the directory being read */
	struct svc_fh scratch;
};

/* nfsfh.c */
int fh_compose(struct svc_fh *fhp, struct dentry *dentry);

/* Make a file handle for the entry @name; return false to send none. */
static bool compose_entry_fh(struct nfsd3_readdirres *cd, const char *name,
			     int namlen)
{
	struct dentry *dparent = cd->fh.fh_dentry;
	struct dentry *dchild;
	bool ok;

	/* "." and ".." get no handle; the client knows them already. */
	if (name[0] == '.' && (namlen == 1 || (namlen == 2 && name[1] == '.')))
		return false;

	dchild = lookup_positive_unlocked(name, dparent, namlen);
	if (IS_ERR(dchild))
		return false;
	ok = fh_compose(&cd->scratch, dchild) == 0;
	dput(dchild);
	return ok;
}

bool nfs3svc_encode_entry_fh(struct nfsd3_readdirres *cd, const char *name,
			     int namlen)
{
	return compose_entry_fh(cd, name, namlen);
}
