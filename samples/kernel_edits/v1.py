# ruff: noqa: E101  (C snippets use kernel indentation: tabs, then spaces)
"""v1: overlayfs drops the negative index dentry a lookup by file handle
leaves behind, with no locking at all.

The negativity test and d_drop() run without d_lock and without the index
directory's inode lock, and the dentry may be shared: the race a reviewer
points out (RACE001).
"""

from datetime import datetime

from samples.kernel_edits import Recipients, replace
from samples.series import SIGNOFF, Commit, Revision, tz

OVL_NAMEI = "fs/overlayfs/namei.c"
CALL = "	index = lookup_positive_unlocked(name.name, ofs->indexdir, name.len);\n"

COMMIT = Commit(
    subject="ovl: drop negative index dentries left by file handle lookups",
    body=f"""\
With the inodes index and NFS export enabled, every file handle that is
decoded looks its index entry up by name in the index directory.  For a
handle of a file that was never copied up, or that is stale, the lookup
fails and leaves a negative dentry in the upper filesystem.  Nothing
looks that dentry up again through the overlay, so a client that replays
old handles fills the dcache of the upper layer with them.

Look the index up with lookup_one_len_unlocked() and drop a negative
result at once, so that the final dput() frees it.

{SIGNOFF}
""",
    edits=(
        replace(OVL_NAMEI, CALL + "	kfree(name.name);\n", """\
	index = lookup_one_len_unlocked(name.name, ofs->indexdir, name.len);
	kfree(name.name);
	if (!IS_ERR(index) && d_is_negative(index)) {
		/* A stale handle leaves a miss here: do not keep it cached. */
		d_drop(index);
		dput(index);
		index = ERR_PTR(-ENOENT);
	}
"""),
    ),
)


def revision(to: Recipients) -> Revision:
    return Revision(
        version=1,
        date=datetime(2025, 2, 3, 9, 12, 0, tzinfo=tz(8)),
        to=to.ovl_people,
        cc=to.ovl_list,
        commits=(COMMIT,),
        base_commit=True,
    )
