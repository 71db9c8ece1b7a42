# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v4: overlayfs only, upper layer only, unhash under d_lock.

Back to the base tree (v2 and v3 are abandoned): a private helper unhashes
a negative upper dentry only after rechecking, with d_lock held, that it
is still negative and that the caller holds the only reference; dput()
comes after the unlock.  Meant to be clean: `ovl:` prefix, sign-off by the
From: author, changelog below `---`.
"""

from datetime import datetime

from samples.series import (
    ALAN,
    ANIKA,
    IVO,
    LIST_FSDEVEL,
    LIST_UNIONFS,
    MAREK,
    SIGNOFF,
    Commit,
    Edit,
    Revision,
    tz,
)

OVL_NAMEI = "fs/overlayfs/namei.c"

EDITS = (
    Edit(
        OVL_NAMEI,
        """\
/*
 * Look up one component in @base.""",
        """\
/*
 * Like lookup_positive_unlocked(), but a negative dentry that nobody else
 * uses is unhashed as well, so that our dput() frees it.  For the upper
 * layer only: lower layers may be shared, and their cached negative
 * dentries can save other overlays a lookup.
 */
static struct dentry *ovl_lookup_positive_unlocked(const char *name,
						   struct dentry *base,
						   int len)
{
	struct dentry *this = lookup_one_len_unlocked(name, base, len);

	if (IS_ERR(this) || !d_is_negative(this))
		return this;

	/*
	 * The unlocked test is only a hint.  Under d_lock, a negative dentry
	 * with no reference but ours cannot turn positive, so unhash it.
	 */
	if (d_count(this) == 1) {
		spin_lock(&this->d_lock);
		if (d_is_negative(this) && this->d_lockref.count == 1)
			__d_drop(this);
		spin_unlock(&this->d_lock);
	}
	dput(this);
	return ERR_PTR(-ENOENT);
}

/*
 * Look up one component in @base.""",
    ),
    Edit(
        OVL_NAMEI,
        """\
			     struct dentry **ret)
{
	struct dentry *this;
	int err;

	this = lookup_positive_unlocked(name, base, namelen);
""",
        """\
			     struct dentry **ret, bool drop_negative)
{
	struct dentry *this;
	int err;

	if (drop_negative)
		this = ovl_lookup_positive_unlocked(name, base, namelen);
	else
		this = lookup_positive_unlocked(name, base, namelen);
""",
    ),
    Edit(
        OVL_NAMEI,
        """\
			    struct dentry **ret)
{
	*ret = NULL;
""",
        """\
			    struct dentry **ret, bool drop_negative)
{
	*ret = NULL;
""",
    ),
    Edit(
        OVL_NAMEI,
        "	return ovl_lookup_single(base, d, d->name.name, d->name.len, ret);\n",
        """\
	return ovl_lookup_single(base, d, d->name.name, d->name.len, ret,
				 drop_negative);
""",
    ),
    Edit(
        OVL_NAMEI,
        "		err = ovl_lookup_layer(upperdir, &d, &upper);\n",
        """\
		/* Upper dentries belong to this overlay alone. */
		err = ovl_lookup_layer(upperdir, &d, &upper, true);
""",
    ),
    Edit(
        OVL_NAMEI,
        "		err = ovl_lookup_layer(ovl_dentry_lower(parent, i), &d, &this);\n",
        """\
		err = ovl_lookup_layer(ovl_dentry_lower(parent, i), &d, &this,
				       false);
""",
    ),
)

COMMIT = Commit(
    subject="ovl: drop negative dentry in upper layer only",
    body=f"""\
A lookup through the overlay asks the upper layer first.  When the name
exists only in a lower layer, or nowhere, the upper filesystem keeps a
negative dentry for it.  The overlay answers later lookups from its own
dentry, so that negative dentry only takes up memory.

Look names up in the upper layer with a new helper.  When
lookup_one_len_unlocked() returns a negative dentry, check again under
its d_lock that it is still negative and that ours is the only
reference, and unhash it: a negative dentry that nobody else holds
cannot turn positive behind our back.  The dput() that follows, outside
the lock, frees it.

Lower layers are left alone.  One lower layer may be shared by many
overlays, and the negative dentries cached there can save all of them
a trip to the filesystem.

{SIGNOFF}
""",
    edits=EDITS,
)

CHANGELOG = """\
v3->v4:
- Do it all in overlayfs: no lookup flag, no change to the VFS or its
  callers.
- Unhash under d_lock after checking that the dentry is still negative
  and unshared, instead of relying on the parent's inode lock.
- Upper layer only, since lower layers may be shared between overlays.

v2->v3:
- Move the drop into __lookup_slow(), behind a lookup flag.

v1->v2:
- Only drop negative dentries the slow lookup made, under the parent's
  inode lock.
"""

REVISION = Revision(
    version=4,
    date=datetime(2024, 3, 22, 8, 30, 0, tzinfo=tz(8)),
    to=(MAREK.addr,),
    cc=(ANIKA.addr, ALAN.addr, IVO.addr, LIST_UNIONFS, LIST_FSDEVEL),
    commits=(COMMIT,),
    base_commit=True,
    changelog=CHANGELOG,
)
