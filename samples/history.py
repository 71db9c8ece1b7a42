"""The history of the sample tree, oldest commit first.

Every area gets its own commit with the subject prefix that area uses
(`vfs:`, `ovl:`, `cifs:` ...), so that a tool can learn the prefixes from
`git log`.  The last commit is tagged `sample-base`; the sample series
applies to it.  Dates and people are fixed so the shas never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from samples.series import ALAN, MAREK, Person, tz


@dataclass(frozen=True)
class HistoryCommit:
    subject: str
    body: str  # without the sign-off, which is added from `author`
    author: Person
    date: datetime
    paths: tuple[str, ...]  # files of samples/tree/ this commit adds

    @property
    def message(self) -> str:
        return f"{self.subject}\n\n{self.body}\nSigned-off-by: {self.author.addr}\n"


def _maintainer(name: str, email: str) -> Person:
    return Person(name, email, tz(1))


CORA = _maintainer("Cora Field", "cora.field@example.org")
DIRK = _maintainer("Dirk Brandt", "dirk.brandt@example.org")
ELENA = _maintainer("Elena Kraus", "elena.kraus@example.org")
EZRA = _maintainer("Ezra Holm", "ezra.holm@example.org")
KARL = _maintainer("Karl Tamm", "karl.tamm@example.org")
NORA = _maintainer("Nora Dahl", "nora.dahl@example.org")
QUINN = _maintainer("Quinn Barr", "quinn.barr@example.org")

# Who commits everything: the tree is pulled together by the VFS maintainer.
COMMITTER = ALAN


def _day(day: int, hour: int) -> datetime:
    return datetime(2024, 1, day, hour, 0, 0, tzinfo=tz(1))


HISTORY: tuple[HistoryCommit, ...] = (
    HistoryCommit(
        "MAINTAINERS: list the people and lists of the sample tree",
        "Say who looks after which files, and where patches for them go.\n",
        ALAN,
        _day(8, 10),
        ("README", "MAINTAINERS"),
    ),
    HistoryCommit(
        "vfs: add the dentry cache",
        "Dentries are hashed by parent and name and keep a reference count\n"
        "next to their spinlock.  Negative dentries stay cached after the\n"
        "last reference is put, unless they were unhashed.\n",
        ALAN,
        _day(9, 11),
        (
            "include/linux/types.h",
            "include/linux/err.h",
            "include/linux/export.h",
            "include/linux/slab.h",
            "include/linux/string.h",
            "include/linux/spinlock.h",
            "include/linux/lockref.h",
            "include/linux/dcache.h",
            "include/linux/fs.h",
            "fs/dcache.c",
        ),
    ),
    HistoryCommit(
        "vfs: add single-component lookup helpers",
        "lookup_one_len() is for callers that hold the parent's inode lock,\n"
        "lookup_one_len_unlocked() takes it when the dcache cannot answer,\n"
        "and lookup_positive_unlocked() also turns a negative result into\n"
        "-ENOENT.\n",
        ALAN,
        _day(10, 15),
        ("include/linux/namei.h", "fs/namei.c"),
    ),
    HistoryCommit(
        "ovl: look names up in the upper and lower layers",
        "Search the upper layer first and then the lower layers from the top\n"
        "down, until a non-directory hides everything below it.\n",
        MAREK,
        _day(12, 9),
        ("fs/overlayfs/overlayfs.h", "fs/overlayfs/namei.c"),
    ),
    HistoryCommit(
        "cifs: walk the mount prefix one component at a time",
        "A mount may name a directory inside the share; find its dentry with\n"
        "positive lookups from the root of the share.\n",
        CORA,
        _day(15, 14),
        ("fs/cifs/cifsfs.c",),
    ),
    HistoryCommit(
        "debugfs: add debugfs_lookup()",
        "Let users find a file or directory they created earlier instead of\n"
        "keeping the dentry around.\n",
        DIRK,
        _day(16, 10),
        ("fs/debugfs/inode.c",),
    ),
    HistoryCommit(
        "ecryptfs: look up the lower dentry by its encrypted name",
        "A negative lower dentry is fine here: the upper dentry is negative\nas well.\n",
        ELENA,
        _day(17, 16),
        ("fs/ecryptfs/inode.c",),
    ),
    HistoryCommit(
        "exportfs: check reconnected names with an unlocked lookup",
        "A dentry found from a file handle may have been renamed or removed\n"
        "meanwhile; looking its name up again tells.\n",
        EZRA,
        _day(18, 11),
        ("fs/exportfs/expfs.c",),
    ),
    HistoryCommit(
        "kernfs: find the dentry of a node below a superblock",
        "Walk down from the root dentry, looking up one ancestor of the node\nat a time.\n",
        KARL,
        _day(22, 13),
        ("fs/kernfs/mount.c",),
    ),
    HistoryCommit(
        "nfsd: send file handles with READDIRPLUS entries",
        "Look each entry up to build its handle; entries that cannot be\n"
        "looked up are sent without one.\n",
        NORA,
        _day(24, 9),
        ("fs/nfsd/nfs3xdr.c",),
    ),
    HistoryCommit(
        "quota: turn quotas on for a file named at mount time",
        "The quota mount options name a file in the root directory; look it\nup and load it.\n",
        QUINN,
        _day(26, 17),
        ("fs/quota/dquot.c",),
    ),
)
