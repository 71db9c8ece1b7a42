# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v2: export three lookup internals of fs/namei.c and redo the lookup in
overlayfs, dropping a new negative dentry under the parent's shared lock.

Deliberately: no changelog anywhere (POL009), three internal helpers
exported (POL014), each EXPORT_SYMBOL() a blank line away from its function
(checkpatch's EXPORT_SYMBOL warning), and the VFS maintainer missing from
To/Cc although fs/namei.c changes (POL013).
"""

from datetime import datetime

from samples.kernel_edits import Recipients, before, replace
from samples.series import SIGNOFF, Commit, Edit, Revision, tz

NAMEI = "fs/namei.c"
NAMEI_H = "include/linux/namei.h"
OVL_NAMEI = "fs/overlayfs/namei.c"


def _indent(column: int) -> str:
    return "\t" * (column // 8) + " " * (column % 8)


def _unstatic(head: str, *params: str) -> Edit:
    """Drop `static` from a prototype `head(params...)` and re-align its
    continuation lines to the parenthesis, as the kernel style wants."""
    def proto(prefix: str) -> str:
        pad = _indent(len(prefix + head))
        return prefix + head + f",\n{pad}".join(params) + "\n"

    return replace(NAMEI, proto("static "), proto(""))


def _export(anchor: str, symbol: str) -> Edit:
    return before(NAMEI, anchor, f"EXPORT_SYMBOL({symbol});\n\n")


VFS_EDITS = (
    _unstatic("struct dentry *lookup_dcache(", "const struct qstr *name", "struct dentry *dir",
              "unsigned int flags)"),
    _export("/*\n * Parent directory has inode locked exclusive.", "lookup_dcache"),
    _unstatic("struct dentry *__lookup_slow(", "const struct qstr *name", "struct dentry *dir",
              "unsigned int flags)"),
    _export("static struct dentry *lookup_slow(", "__lookup_slow"),
    _unstatic("int lookup_one_common(", "struct user_namespace *mnt_userns",
              "const char *name, struct dentry *base, int len", "struct qstr *this)"),
    _export("/**\n * try_lookup_one_len - ", "lookup_one_common"),
    before(NAMEI_H, "extern int follow_down_one(struct path *);\n", """\
/* The steps of the lookups above, for filesystems stacked on others. */
int lookup_one_common(struct user_namespace *mnt_userns, const char *name,
		      struct dentry *base, int len, struct qstr *this);
struct dentry *lookup_dcache(const struct qstr *name, struct dentry *dir,
			     unsigned int flags);
struct dentry *__lookup_slow(const struct qstr *name, struct dentry *dir,
			     unsigned int flags);

"""),
)

OVL_EDITS = (
    before(OVL_NAMEI, "/* Lookup index by file handle for NFS export */\n", """\
/*
 * lookup_positive_unlocked() on the index directory, except that a negative
 * dentry made by the slow lookup is unhashed while the directory is still
 * locked, so that the final dput() frees it.
 */
static struct dentry *ovl_lookup_index_unlocked(struct ovl_fs *ofs,
						const char *name, int len)
{
	struct dentry *dir = ofs->indexdir;
	struct dentry *this;
	struct qstr qname;
	int err;

	err = lookup_one_common(&init_user_ns, name, dir, len, &qname);
	if (err)
		return ERR_PTR(err);

	this = lookup_dcache(&qname, dir, 0);
	if (!this) {
		inode_lock_shared(d_inode(dir));
		this = __lookup_slow(&qname, dir, 0);
		if (!IS_ERR(this) && d_is_negative(this))
			d_drop(this);
		inode_unlock_shared(d_inode(dir));
	}
	if (!IS_ERR(this) && d_is_negative(this)) {
		dput(this);
		return ERR_PTR(-ENOENT);
	}
	return this;
}

"""),
    replace(OVL_NAMEI,
            "	index = lookup_positive_unlocked(name.name, ofs->indexdir, name.len);\n",
            "	index = ovl_lookup_index_unlocked(ofs, name.name, name.len);\n"),
)

COMMIT = Commit(
    subject="ovl: drop negative index dentries left by file handle lookups",
    body=f"""\
With the inodes index and NFS export enabled, decoding a file handle looks
its index entry up by name.  For a handle of a file that was never copied
up, or that is stale, the lookup leaves a negative dentry in the index
directory of the upper filesystem, and nothing ever uses it again.

Add ovl_lookup_index_unlocked().  It works like lookup_positive_unlocked(),
but when the slow path has just created a negative dentry, it unhashes it
while the index directory is still locked, so that the final dput() frees
it.  Negative dentries that were cached before are left alone.

The helper needs lookup_one_common(), lookup_dcache() and __lookup_slow(),
so export them from fs/namei.c.

{SIGNOFF}
""",
    edits=VFS_EDITS + OVL_EDITS,
)


def revision(to: Recipients) -> Revision:
    return Revision(
        version=2,
        date=datetime(2025, 2, 6, 15, 40, 0, tzinfo=tz(8)),
        to=to.ovl_people,
        cc=to.ovl_list + to.vfs_list,
        commits=(COMMIT,),
        base_commit=False,
    )
