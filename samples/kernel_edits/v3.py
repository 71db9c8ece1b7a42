# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v3: a VFS lookup flag, and a flags argument for the unlocked helpers.

Patch 1/10 adds LOOKUP_NOCACHE_NEG and an `unsigned int flags` argument to
lookup_one_len_unlocked() and lookup_positive_unlocked(), converting only
the caller in fs/namei.c itself; overlayfs (2/10) and the eight other
subsystems calling them in 6.1 (3/10..10/10, one patch each) follow, so
the tree does not build from 1/10 to 9/10 (POL012).  To/Cc name the VFS
and overlayfs people and lists only, none of the caller subsystems.
"""

import textwrap
from datetime import datetime

from samples.kernel_edits import Recipients, after, replace
from samples.series import SIGNOFF, Commit, Edit, Revision, tz

NAMEI = "fs/namei.c"
NAMEI_H = "include/linux/namei.h"
FLAG = "LOOKUP_NOCACHE_NEG"

def _zero(path: str, old: str) -> Edit:
    """Pass 0 flags: `old` is the end of the call, up to its `);`."""
    return replace(path, old, old.replace(");", ", 0);", 1))


VFS_COMMIT = Commit(
    subject="vfs: add a lookup flag to drop new negative dentries",
    body=f"""\
A caller that keeps its own record of a failed lookup, as overlayfs does
for its index, gains nothing from the negative dentry that the lookup
leaves in the filesystem below.

Add {FLAG}.  When it is set and the filesystem's ->lookup() has
just made a negative dentry, __lookup_slow() unhashes it before returning,
so that the caller's dput() frees it.  The parent's inode lock is held at
that point, so the name cannot be created meanwhile.  Negative dentries
that were already cached are kept.

lookup_one_len_unlocked() and lookup_positive_unlocked() get a flags
argument to pass the flag on.  The callers are converted in the following
patches.

{SIGNOFF}
""",
    edits=(
        after(NAMEI_H, "#define LOOKUP_CACHED		0x200000 /* Only do cached lookup */\n",
              f"#define {FLAG}	0x400000 /* Do not keep a negative it made */\n"),
        replace(NAMEI_H, """\
extern struct dentry *lookup_one_len_unlocked(const char *, struct dentry *, int);
extern struct dentry *lookup_positive_unlocked(const char *, struct dentry *, int);
""", """\
extern struct dentry *lookup_one_len_unlocked(const char *, struct dentry *, int,
					      unsigned int);
extern struct dentry *lookup_positive_unlocked(const char *, struct dentry *, int,
					       unsigned int);
"""),
        after(NAMEI, "			dentry = old;\n		}", f"""\
 else if ((flags & {FLAG}) && d_is_negative(dentry)) {{
			/*
			 * The caller keeps its own record of the miss.  The
			 * parent is locked: nobody creates the name meanwhile.
			 */
			d_drop(dentry);
		}}"""),
        _zero(NAMEI, "lookup_one_len_unlocked(last.name, parent_path.dentry, last.len);"),
        replace(NAMEI, """\
				       struct dentry *base, int len)
{
	return lookup_one_unlocked(&init_user_ns, name, base, len);
""", f"""\
				       struct dentry *base, int len,
				       unsigned int flags)
{{
	struct qstr this;
	struct dentry *ret;
	int err;

	err = lookup_one_common(&init_user_ns, name, base, len, &this);
	if (err)
		return ERR_PTR(err);

	/* @flags ({FLAG}) matter only when the filesystem is asked. */
	ret = lookup_dcache(&this, base, 0);
	if (!ret)
		ret = lookup_slow(&this, base, flags);
	return ret;
"""),
        replace(NAMEI, """\
				       struct dentry *base, int len)
{
	return lookup_one_positive_unlocked(&init_user_ns, name, base, len);
""", """\
				       struct dentry *base, int len,
				       unsigned int flags)
{
	struct dentry *ret = lookup_one_len_unlocked(name, base, len, flags);

	if (!IS_ERR(ret) && d_flags_negative(smp_load_acquire(&ret->d_flags))) {
		dput(ret);
		ret = ERR_PTR(-ENOENT);
	}
	return ret;
"""),
    ),
)

OVL_COMMIT = Commit(
    subject="ovl: do not keep negative dentries of index lookups",
    body=f"""\
Decoding a file handle of a file that was never copied up, or a stale
one, leaves a negative dentry in the index directory, which nothing uses
again.  Pass {FLAG} to the index lookup.

{SIGNOFF}
""",
    edits=(replace(
        "fs/overlayfs/namei.c",
        "	index = lookup_positive_unlocked(name.name, ofs->indexdir, name.len);\n",
        f"	index = lookup_positive_unlocked(name.name, ofs->indexdir, name.len,\n"
        f"					 {FLAG});\n"),),
)


def _caller(prefix: str, helpers: str, *edits: Edit) -> Commit:
    """One subsystem's patch: pass 0 flags, which keeps its behaviour."""
    return Commit(
        subject=f"{prefix}: pass lookup flags to {helpers}",
        body=textwrap.fill(f"{helpers} has a flags argument now.  Pass 0, which keeps the "
                           "current behaviour.", 72) + f"\n\n{SIGNOFF}\n",
        edits=edits,
    )


POSITIVE = "lookup_positive_unlocked()"
ONE_LEN = "lookup_one_len_unlocked()"

CALLER_COMMITS = (
    _caller("cachefiles", POSITIVE, _zero(
        "fs/cachefiles/namei.c", "lookup_positive_unlocked(object->d_name, fan,\n"
        "						  object->d_name_len);")),
    _caller("debugfs", POSITIVE, _zero(
        "fs/debugfs/inode.c", "lookup_positive_unlocked(name, parent, strlen(name));")),
    _caller("ecryptfs", ONE_LEN, _zero(
        "fs/ecryptfs/inode.c", "lookup_one_len_unlocked(name, lower_dir_dentry, len);")),
    _caller("kernfs", POSITIVE, _zero(
        "fs/kernfs/mount.c", "lookup_positive_unlocked(kntmp->name, dentry,\n"
        "					       strlen(kntmp->name));")),
    _caller("nfsd", "the unlocked lookup helpers",
            _zero("fs/nfsd/nfs3xdr.c", "lookup_positive_unlocked(name, dparent, namlen);"),
            _zero("fs/nfsd/nfs4xdr.c",
                  "lookup_positive_unlocked(name, cd->rd_fhp->fh_dentry, namlen);"),
            _zero("fs/nfsd/vfs.c", "lookup_one_len_unlocked(name, dparent, len);")),
    _caller("quota", POSITIVE, _zero(
        "fs/quota/dquot.c", "lookup_positive_unlocked(qf_name, sb->s_root, strlen(qf_name));")),
    _caller("smb: client", POSITIVE,
            _zero("fs/smb/client/cached_dir.c", "lookup_positive_unlocked(p, dentry, s - p);"),
            _zero("fs/smb/client/cifsfs.c", "lookup_positive_unlocked(p, dentry, s - p);")),
    _caller("IB/qib", ONE_LEN, _zero(
        "drivers/infiniband/hw/qib/qib_fs.c",
        "lookup_one_len_unlocked(unit, sb->s_root, strlen(unit));")),
)

COVER_BODY = """\
Decoding an NFS file handle on an overlay with the inodes index looks the
handle's index entry up by name.  When the file was never copied up, or
the handle is stale, the lookup leaves a negative dentry in the index
directory of the upper filesystem, and nothing uses it again.

Following the review of v2, this adds a lookup flag, LOOKUP_NOCACHE_NEG,
which tells the slow lookup path not to keep a negative dentry it has just
created.  The dentry is unhashed while the parent's inode lock is still
held, so it cannot race with a create of the same name.  Negative
dentries that were cached before are not touched.

Patch 1 adds the flag and a flags argument to lookup_one_len_unlocked()
and lookup_positive_unlocked(), patch 2 makes overlayfs use the flag and
patches 3-10 update the other callers.
"""

CHANGELOG = """\
Changes since v2:
- Drop the dentry in __lookup_slow() behind a lookup flag instead of
  repeating VFS code in overlayfs.
- Stop exporting lookup_one_common(), lookup_dcache() and __lookup_slow().
- Add a flags argument to the two unlocked lookup helpers.

Changes since v1:
- Only drop negative dentries that the slow lookup created, under the
  parent's inode lock.
"""


def revision(to: Recipients) -> Revision:
    return Revision(
        version=3,
        date=datetime(2025, 2, 11, 10, 5, 0, tzinfo=tz(8)),
        to=to.vfs_people + to.ovl_people,
        cc=to.vfs_list + to.ovl_list,
        commits=(VFS_COMMIT, OVL_COMMIT) + CALLER_COMMITS,
        base_commit=True,
        changelog=CHANGELOG,
        cover_subject="Drop negative dentries created by index lookups",
        cover_body=COVER_BODY,
    )
