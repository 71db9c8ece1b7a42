# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v4: overlayfs only; unhash under d_lock after rechecking.

Back to the base tree (v2 and v3 are abandoned): a private helper unhashes
a negative index dentry only after rechecking, with d_lock held, that it is
still negative and that the caller holds the only reference; dput() comes
after the unlock.  Meant to be clean: `ovl:` prefix, sign-off by the From:
author, changelog below `---`, the VFS people on Cc.
"""

from datetime import datetime

from samples.kernel_edits import Recipients, before, replace
from samples.series import SIGNOFF, Commit, Revision, tz

OVL_NAMEI = "fs/overlayfs/namei.c"

EDITS = (
    before(OVL_NAMEI, "/* Lookup index by file handle for NFS export */\n", """\
/*
 * Like lookup_positive_unlocked() on the index directory, but a negative
 * dentry that nobody else uses is unhashed as well, so that our dput()
 * frees it: stale file handles must not fill the upper layer's dcache.
 */
static struct dentry *ovl_index_lookup_positive(struct ovl_fs *ofs,
						const struct qstr *name)
{
	struct dentry *index;

	index = lookup_one_len_unlocked(name->name, ofs->indexdir, name->len);
	if (IS_ERR(index) || !d_is_negative(index))
		return index;

	/*
	 * The unlocked test is only a hint.  Under d_lock, a negative dentry
	 * with no reference but ours cannot turn positive, so unhash it.
	 */
	if (d_count(index) == 1) {
		spin_lock(&index->d_lock);
		if (d_is_negative(index) && index->d_lockref.count == 1)
			__d_drop(index);
		spin_unlock(&index->d_lock);
	}
	dput(index);
	return ERR_PTR(-ENOENT);
}

"""),
    replace(OVL_NAMEI,
            "	index = lookup_positive_unlocked(name.name, ofs->indexdir, name.len);\n",
            "	index = ovl_index_lookup_positive(ofs, &name);\n"),
)

COMMIT = Commit(
    subject="ovl: drop unused negative index dentries after a lookup",
    body=f"""\
With the inodes index and NFS export enabled, decoding a file handle looks
its index entry up by name.  For a handle of a file that was never copied
up, or that is stale, the upper filesystem keeps a negative dentry for the
name, and nothing uses it again.

Look the index up with a new helper.  When lookup_one_len_unlocked()
returns a negative dentry, check again under its d_lock that it is still
negative and that ours is the only reference, and unhash it: a negative
dentry that nobody else holds cannot turn positive behind our back.  The
dput() that follows, outside the lock, frees it.

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

v2->v3:
- Move the drop into __lookup_slow(), behind a lookup flag.

v1->v2:
- Only drop negative dentries the slow lookup made, under the parent's
  inode lock.
"""


def revision(to: Recipients) -> Revision:
    return Revision(
        version=4,
        date=datetime(2025, 2, 20, 8, 30, 0, tzinfo=tz(8)),
        to=to.ovl_people,
        cc=to.ovl_list + to.vfs_people + to.vfs_list,
        commits=(COMMIT,),
        base_commit=True,
        changelog=CHANGELOG,
    )
