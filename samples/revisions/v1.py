# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v1: overlayfs alone drops negative layer dentries, with no locking.

The change tests the dentry for negativity and unhashes it without
holding the parent's inode lock or d_lock, and without checking that
nobody else holds a reference: the race the review points out.  It also
drops negative dentries it did not create (cached ones).
"""

from datetime import datetime

from samples.series import (
    ANIKA,
    LIST_UNIONFS,
    MAREK,
    SIGNOFF,
    Commit,
    Edit,
    Revision,
    tz,
)

OVL_NAMEI = "fs/overlayfs/namei.c"

COMMIT = Commit(
    subject="ovl: drop negative dentries left by layer lookups",
    body=f"""\
When a name exists only in a lower layer, a lookup through the overlay
also asks the upper layer for it.  That lookup fails and leaves a
negative dentry in the upper filesystem, and the same happens in every
lower layer above the one that has the name.

Once the overlay dentry exists, nobody looks at those layer dentries
again: the overlay answers later lookups from its own dcache entry.  They
only take up memory, and as they belong to the layer filesystems they can
stay around after the overlay is unmounted.

Look names up with lookup_one_len_unlocked() and drop a negative result
at once, so that the final dput() frees it.

{SIGNOFF}
""",
    edits=(
        Edit(
            OVL_NAMEI,
            """\
	this = lookup_positive_unlocked(name, base, namelen);
	if (IS_ERR(this)) {
""",
            """\
	this = lookup_one_len_unlocked(name, base, namelen);
	if (!IS_ERR(this) && d_is_negative(this)) {
		/* The overlay caches the miss; this entry would only linger. */
		d_drop(this);
		dput(this);
		this = ERR_PTR(-ENOENT);
	}
	if (IS_ERR(this)) {
""",
        ),
    ),
)

REVISION = Revision(
    version=1,
    date=datetime(2024, 3, 4, 9, 12, 0, tzinfo=tz(8)),
    to=(MAREK.addr,),
    cc=(ANIKA.addr, LIST_UNIONFS),
    commits=(COMMIT,),
    base_commit=True,
)
