# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v3: a VFS lookup flag, and a flags argument for the unlocked helpers.

Patch 1/9 changes the prototypes of lookup_one_len_unlocked() and
lookup_positive_unlocked() but converts no caller; overlayfs (2/9) and
seven other subsystems (3/9..9/9) follow, so the tree does not build from
1/9 until 9/9.  To/Cc name the VFS and overlayfs people and lists only,
none of the seven caller subsystems.
"""

from datetime import datetime

from samples.series import (
    ALAN,
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
FLAG = "LOOKUP_NOCACHE_NEG"

VFS_COMMIT = Commit(
    subject="vfs: add a lookup flag to drop new negative dentries",
    body=f"""\
A caller that keeps its own record of a failed lookup, as a stacking
filesystem does with its own dentries, gains nothing from the negative
dentry that the lookup leaves in the filesystem below.

Add LOOKUP_NOCACHE_NEG.  When it is set and the filesystem's ->lookup()
has just made a negative dentry, __lookup_slow() unhashes it before
returning, so that the caller's dput() frees it.  The parent's inode
lock is held at that point, so the name cannot be created meanwhile.
Negative dentries that were already cached are kept.

lookup_one_len_unlocked() and lookup_positive_unlocked() get a flags
argument to pass the flag on.  The callers are converted in the
following patches.

{SIGNOFF}
""",
    edits=(
        Edit(
            NAMEI_H,
            "#define LOOKUP_EXCL		0x0400\n",
            f"""\
#define LOOKUP_EXCL		0x0400
/* Do not keep a negative dentry that this lookup has created. */
#define {FLAG}	0x10000
""",
        ),
        Edit(
            NAMEI_H,
            """\
extern struct dentry *lookup_one_len_unlocked(const char *name,
					      struct dentry *base, int len);
extern struct dentry *lookup_positive_unlocked(const char *name,
					       struct dentry *base, int len);
""",
            """\
extern struct dentry *lookup_one_len_unlocked(const char *name,
					      struct dentry *base, int len,
					      unsigned int flags);
extern struct dentry *lookup_positive_unlocked(const char *name,
					       struct dentry *base, int len,
					       unsigned int flags);
""",
        ),
        Edit(
            NAMEI,
            """\
	if (old) {
		dput(dentry);
		dentry = old;
	}
	return dentry;
""",
            f"""\
	if (old) {{
		dput(dentry);
		dentry = old;
	}} else if ((flags & {FLAG}) && d_is_negative(dentry)) {{
		/*
		 * The caller keeps its own record of the miss.  The parent
		 * is locked, so nobody can create the name while we unhash.
		 */
		d_drop(dentry);
	}}
	return dentry;
""",
        ),
        Edit(
            NAMEI,
            """\
 * any more, a negative result may turn positive at any time.
 */
struct dentry *lookup_one_len_unlocked(const char *name,
				       struct dentry *base, int len)
{
""",
            f"""\
 * any more, a negative result may turn positive at any time.  @flags
 * ({FLAG}) apply when the filesystem has to be asked.
 */
struct dentry *lookup_one_len_unlocked(const char *name,
				       struct dentry *base, int len,
				       unsigned int flags)
{{
""",
        ),
        Edit(
            NAMEI,
            "		ret = lookup_slow(&this, base, 0);\n",
            "		ret = lookup_slow(&this, base, flags);\n",
        ),
        Edit(
            NAMEI,
            """\
struct dentry *lookup_positive_unlocked(const char *name,
					struct dentry *base, int len)
{
	struct dentry *ret = lookup_one_len_unlocked(name, base, len);
""",
            """\
struct dentry *lookup_positive_unlocked(const char *name,
					struct dentry *base, int len,
					unsigned int flags)
{
	struct dentry *ret = lookup_one_len_unlocked(name, base, len, flags);
""",
        ),
    ),
)

OVL_COMMIT = Commit(
    subject="ovl: do not leave negative dentries in the layers",
    body=f"""\
When a name exists only in a lower layer, or in no layer at all, each
layer that was searched in vain keeps a negative dentry for it.  The
overlay answers later lookups from its own dentry, so those only take
up memory, possibly after the overlay is unmounted.

Pass LOOKUP_NOCACHE_NEG to the layer lookups.

{SIGNOFF}
""",
    edits=(
        Edit(
            "fs/overlayfs/namei.c",
            "	this = lookup_positive_unlocked(name, base, namelen);\n",
            f"""\
	/*
	 * The overlay dentry records a miss itself; negative dentries in
	 * the layers would only take up memory.
	 */
	this = lookup_positive_unlocked(name, base, namelen,
					{FLAG});
""",
        ),
    ),
)


def _caller(prefix: str, helper: str, path: str, old: str, new: str) -> Commit:
    """One subsystem's patch: pass 0 flags, which keeps its behaviour."""
    return Commit(
        subject=f"{prefix}: pass lookup flags to {helper}()",
        body=f"""\
{helper}() has a flags argument now.  Pass 0,
which keeps the current behaviour.

{SIGNOFF}
""",
        edits=(Edit(path, old, new),),
    )


POSITIVE = "lookup_positive_unlocked"
ONE_LEN = "lookup_one_len_unlocked"

CALLER_COMMITS = (
    _caller(
        "cifs",
        POSITIVE,
        "fs/cifs/cifsfs.c",
        "		child = lookup_positive_unlocked(s, dentry, p - s);\n",
        "		child = lookup_positive_unlocked(s, dentry, p - s, 0);\n",
    ),
    _caller(
        "debugfs",
        POSITIVE,
        "fs/debugfs/inode.c",
        "	dentry = lookup_positive_unlocked(name, parent, strlen(name));\n",
        "	dentry = lookup_positive_unlocked(name, parent, strlen(name), 0);\n",
    ),
    _caller(
        "ecryptfs",
        ONE_LEN,
        "fs/ecryptfs/inode.c",
        "	lower = lookup_one_len_unlocked(enc_name, lower_dir, enc_len);\n",
        "	lower = lookup_one_len_unlocked(enc_name, lower_dir, enc_len, 0);\n",
    ),
    _caller(
        "exportfs",
        ONE_LEN,
        "fs/exportfs/expfs.c",
        "	tmp = lookup_one_len_unlocked(nbuf, parent, strlen(nbuf));\n",
        "	tmp = lookup_one_len_unlocked(nbuf, parent, strlen(nbuf), 0);\n",
    ),
    _caller(
        "kernfs",
        POSITIVE,
        "fs/kernfs/mount.c",
        "						 strlen(next->name));\n",
        "						 strlen(next->name), 0);\n",
    ),
    _caller(
        "nfsd",
        POSITIVE,
        "fs/nfsd/nfs3xdr.c",
        "	dchild = lookup_positive_unlocked(name, dparent, namlen);\n",
        "	dchild = lookup_positive_unlocked(name, dparent, namlen, 0);\n",
    ),
    _caller(
        "quota",
        POSITIVE,
        "fs/quota/dquot.c",
        "					  strlen(qf_name));\n",
        "					  strlen(qf_name), 0);\n",
    ),
)

COVER_BODY = """\
Lookups through an overlay leave negative dentries behind in the layer
filesystems: in the upper layer for every name that only a lower layer
has, and in every layer for names that exist nowhere.  The overlay keeps
its own dentry for the result, so the layer dentries just occupy memory
until reclaim gets to them, possibly long after the overlay is gone.

Following the review of v2, this adds a lookup flag,
LOOKUP_NOCACHE_NEG, which tells the slow lookup path not to keep a
negative dentry it has just created.

The dentry is unhashed while the parent's inode lock is still held, so
it cannot race with a create of the same name.  Negative dentries that
were cached before are not touched.

Patch 1 adds the flag and a flags argument to lookup_one_len_unlocked()
and lookup_positive_unlocked(), patch 2 makes overlayfs use the flag and
patches 3-9 update the other callers.
"""

CHANGELOG = """\
Changes since v2:
- Drop the dentry in __lookup_slow() behind a lookup flag instead of
  repeating VFS code in overlayfs.
- Stop exporting lookup_one_len_common(), lookup_dcache() and
  __lookup_slow().
- Add a flags argument to the two unlocked lookup helpers.

Changes since v1:
- Only drop negative dentries that the slow lookup created, under the
  parent's inode lock.
"""

REVISION = Revision(
    version=3,
    date=datetime(2024, 3, 12, 10, 5, 0, tzinfo=tz(8)),
    to=(ALAN.addr, MAREK.addr),
    cc=(ANIKA.addr, LIST_FSDEVEL, LIST_UNIONFS),
    commits=(VFS_COMMIT, OVL_COMMIT) + CALLER_COMMITS,
    base_commit=True,
    changelog=CHANGELOG,
    cover_subject="Drop negative dentries created by lookup",
    cover_body=COVER_BODY,
)
