# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v2: export VFS lookup internals and redo the unlocked lookup in overlayfs.

The drop now happens only after a slow lookup and under the parent's
shared inode lock, but three static helpers of fs/namei.c become exported
and their logic is repeated in overlayfs.  Deliberately no changelog
anywhere (the policy check must flag it), and the VFS maintainer is
missing from To/Cc although fs/namei.c and include/linux/namei.h change.
"""

from datetime import datetime

from samples.series import (
    ANIKA,
    LIST_FSDEVEL,
    LIST_UNIONFS,
    MAREK,
    SIGNOFF,
    Commit,
    Edit,
    Revision,
    tz,
)

NAMEI = "fs/namei.c"
NAMEI_H = "include/linux/namei.h"
OVL_NAMEI = "fs/overlayfs/namei.c"

VFS_EDITS = (
    Edit(
        NAMEI,
        """\
static struct dentry *lookup_dcache(const struct qstr *name,
				    struct dentry *dir,
				    unsigned int flags)
""",
        """\
struct dentry *lookup_dcache(const struct qstr *name,
			     struct dentry *dir,
			     unsigned int flags)
""",
    ),
    Edit(
        NAMEI,
        """\
	return dentry;
}

/*
 * Ask the filesystem""",
        """\
	return dentry;
}
EXPORT_SYMBOL(lookup_dcache);

/*
 * Ask the filesystem""",
    ),
    Edit(
        NAMEI,
        """\
static struct dentry *__lookup_slow(const struct qstr *name,
				    struct dentry *dir,
				    unsigned int flags)
""",
        """\
struct dentry *__lookup_slow(const struct qstr *name,
			     struct dentry *dir,
			     unsigned int flags)
""",
    ),
    Edit(
        NAMEI,
        """\
	return dentry;
}

static struct dentry *lookup_slow(""",
        """\
	return dentry;
}
EXPORT_SYMBOL(__lookup_slow);

static struct dentry *lookup_slow(""",
    ),
    Edit(
        NAMEI,
        """\
static int lookup_one_len_common(const char *name, struct dentry *base,
				 int len, struct qstr *this)
""",
        """\
int lookup_one_len_common(const char *name, struct dentry *base,
			  int len, struct qstr *this)
""",
    ),
    Edit(
        NAMEI,
        """\
	return 0;
}

/* The caller must hold base's inode lock. */""",
        """\
	return 0;
}
EXPORT_SYMBOL(lookup_one_len_common);

/* The caller must hold base's inode lock. */""",
    ),
    Edit(
        NAMEI_H,
        """\
extern struct dentry *lookup_positive_unlocked(const char *name,
					       struct dentry *base, int len);
""",
        """\
extern struct dentry *lookup_positive_unlocked(const char *name,
					       struct dentry *base, int len);

/* The steps of the lookups above, for filesystems that stack on others. */
extern int lookup_one_len_common(const char *name, struct dentry *base,
				 int len, struct qstr *this);
extern struct dentry *lookup_dcache(const struct qstr *name,
				    struct dentry *dir, unsigned int flags);
extern struct dentry *__lookup_slow(const struct qstr *name,
				    struct dentry *dir, unsigned int flags);
""",
    ),
)

OVL_EDITS = (
    Edit(
        OVL_NAMEI,
        """\
/*
 * Look up one component in @base.""",
        """\
/*
 * Same as lookup_positive_unlocked(), except that a negative dentry made
 * by the slow lookup is unhashed before the parent is unlocked, so that
 * the final dput() frees it.
 */
static struct dentry *ovl_lookup_positive_unlocked(const char *name,
						   struct dentry *base,
						   int len)
{
	struct inode *dir = base->d_inode;
	struct dentry *this;
	struct qstr qname;
	int err;

	err = lookup_one_len_common(name, base, len, &qname);
	if (err)
		return ERR_PTR(err);
	this = lookup_dcache(&qname, base, 0);
	if (this)
		return this;

	inode_lock_shared(dir);
	this = __lookup_slow(&qname, base, 0);
	if (!IS_ERR(this) && d_is_negative(this)) {
		d_drop(this);
		inode_unlock_shared(dir);
		dput(this);
		return ERR_PTR(-ENOENT);
	}
	inode_unlock_shared(dir);
	return this;
}

/*
 * Look up one component in @base.""",
    ),
    Edit(
        OVL_NAMEI,
        "	this = lookup_positive_unlocked(name, base, namelen);\n",
        "	this = ovl_lookup_positive_unlocked(name, base, namelen);\n",
    ),
)

COMMIT = Commit(
    subject="ovl: drop negative dentries left by layer lookups",
    body=f"""\
When a name exists only in a lower layer, or in no layer at all, a
lookup through the overlay leaves a negative dentry in each layer that
was searched in vain.  The overlay answers later lookups from its own
dcache entry, so those layer dentries only take up memory, and they can
stay around after the overlay is unmounted.

Add ovl_lookup_positive_unlocked().  It works like
lookup_positive_unlocked(), but when the slow path has just created a
negative dentry, it unhashes it while the parent directory is still
locked, so that the final dput() frees it.  Negative dentries that were
cached before are left alone.

The helper needs lookup_one_len_common(), lookup_dcache() and
__lookup_slow(), so export them from fs/namei.c.

{SIGNOFF}
""",
    edits=VFS_EDITS + OVL_EDITS,
)

REVISION = Revision(
    version=2,
    date=datetime(2024, 3, 7, 15, 40, 0, tzinfo=tz(8)),
    to=(MAREK.addr,),
    cc=(ANIKA.addr, LIST_UNIONFS, LIST_FSDEVEL),
    commits=(COMMIT,),
    base_commit=False,
)
