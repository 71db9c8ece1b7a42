"""The sample patch thread as data: people, the four revisions, the replies.

The story is modelled on a 2020 overlayfs RFC about negative dentries;
every line of C and every mail here is our own.  samples/build.py turns
this data into real git commits,
real `git format-patch` output and finally samples/thread.mbox.

Each revision is built on its own branch from the tagged base commit, so
every revision applies to the base tree on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    tz: timezone
    # How this person's mail client writes "On <date>, X wrote:".
    style: str = "gmail"

    @property
    def addr(self) -> str:
        return f"{self.name} <{self.email}>"


# The patch author and the people in the thread (all fictional).
AUTHOR = Person("Lin Author", "lin.author@example.org", tz(8), "mutt")
ALAN = Person("Alan Vance", "alan.vance@example.org", tz(0), "mutt")  # VFS
MAREK = Person("Marek Lindqvist", "marek.lindqvist@example.org", tz(1))  # ovl M:
ANIKA = Person("Anika Rosen", "anika.rosen@example.org", tz(2))  # ovl R:
IVO = Person("Ivo Kessler", "ivo.kessler@example.org", tz(8), "evolution")
DANA = Person("Dana Cole", "dana.cole@example.org", tz(11), "mutt")

LIST_FSDEVEL = "linux-fsdevel@lists.example.org"
LIST_UNIONFS = "linux-unionfs@lists.example.org"

SIGNOFF = f"Signed-off-by: {AUTHOR.addr}"


@dataclass(frozen=True)
class Edit:
    """Replace `old` (must occur exactly once) by `new` in `path`.

    With old=None, `new` is the whole content of a new or rewritten file.
    """

    path: str
    old: str | None
    new: str


@dataclass(frozen=True)
class Commit:
    subject: str  # "ovl: ...", without the [PATCH ...] part
    body: str  # commit message after the subject, ends with sign-offs
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Revision:
    version: int
    date: datetime  # of the first mail; mail k is sent k seconds later
    to: tuple[str, ...]
    cc: tuple[str, ...]
    commits: tuple[Commit, ...]
    base_commit: bool  # run format-patch with --base
    # Text of "what changed": below the `---` of a single patch, or at the
    # end of the cover letter of a series.  None: no changelog at all.
    changelog: str | None = None
    cover_subject: str | None = None  # a series has a cover letter
    cover_body: str | None = None
    rfc: bool = True
    author: Person = AUTHOR

    @property
    def prefix(self) -> str:
        tag = "RFC PATCH" if self.rfc else "PATCH"
        return tag if self.version == 1 else f"{tag} v{self.version}"

    @property
    def has_cover(self) -> bool:
        return self.cover_subject is not None

    def numbers(self) -> list[int]:
        """Mail numbers in sending order: 0 is the cover letter."""
        first = 0 if self.has_cover else 1
        return list(range(first, len(self.commits) + 1))

    def subject(self, k: int) -> str:
        title = self.cover_subject if k == 0 else self.commits[k - 1].subject
        if len(self.commits) == 1 and not self.has_cover:
            return f"[{self.prefix}] {title}"
        return f"[{self.prefix} {k}/{len(self.commits)}] {title}"

    def mail_date(self, k: int) -> datetime:
        return self.date + timedelta(seconds=k)

    def msgid(self, k: int) -> str:
        stamp = self.date.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        return f"<{stamp}-ovl-neg-v{self.version}-{k}@sample.example.org>"


@dataclass(frozen=True)
class Reply:
    key: str  # local name, also part of the Message-ID
    parent: str  # "v<N>/<k>" for a revision's mail k, or another reply's key
    author: Person
    date: datetime
    body: str  # text after the attribution line; "> " lines quote the parent
    extra_cc: tuple[str, ...] = ()  # people the replier adds to Cc


def mail_key(version: int, k: int) -> str:
    return f"v{version}/{k}"


def _revisions() -> tuple[Revision, ...]:
    # Imported late: the revision modules use the types defined above.
    from samples.revisions import v1, v2, v3, v4

    return (v1.REVISION, v2.REVISION, v3.REVISION, v4.REVISION)


def _replies() -> tuple[Reply, ...]:
    from samples.replies import REPLIES

    return REPLIES


REVISIONS: tuple[Revision, ...] = _revisions()
REPLIES: tuple[Reply, ...] = _replies()
