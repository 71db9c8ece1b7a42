"""What a thread holds for review: patches with their files and hunks, the
replies, and the revisions of a series.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewer.model.mail import Address, MailShape, Message, Trailer

__all__ = [
    "ChangedLines",
    "FileChange",
    "Hunk",
    "Patch",
    "Reply",
    "Revision",
    "RevisionLink",
    "Series",
]


@dataclass(frozen=True)
class ChangedLines:
    """Where a diff changes one file, in the new file's line numbers: the
    lines it adds, the lines either side of each place where it only removes
    lines (a removed unlock changes what the next line runs with), and the
    removed lines themselves, each with the line after which it stood."""

    added: frozenset[int] = frozenset()
    cut: frozenset[int] = frozenset()
    removed: tuple[tuple[int, str], ...] = ()

    @property
    def touched(self) -> frozenset[int]:
        return self.added | self.cut

    @classmethod
    def from_runs(cls, runs: Iterable[tuple[int, int, Sequence[str]]]) -> ChangedLines:
        """From runs of changed lines, as zero-context hunk headers give them:
        (start, lines added, the lines removed), `start` being the first
        added line, or for a pure removal the line before it."""
        added: set[int] = set()
        cut: set[int] = set()
        removed: list[tuple[int, str]] = []
        for start, count, gone in runs:
            added.update(range(start, start + count))
            if count == 0:
                cut.update(n for n in (start, start + 1) if n > 0)
            removed.extend((start if count == 0 else start - 1, text) for text in gone)
        return cls(frozenset(added), frozenset(cut), tuple(removed))


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str  # text after the second @@ (usually the enclosing function)
    lines: tuple[str, ...]  # with their ' ', '+', '-' or '\\' marker

    def added(self) -> list[tuple[int, str]]:
        """(post-image line number, text) of each added line."""
        out: list[tuple[int, str]] = []
        n = self.new_start
        for line in self.lines:
            if line.startswith("+"):
                out.append((n, line[1:]))
                n += 1
            elif line.startswith(" "):
                n += 1
        return out

    def pre_image(self) -> str:
        """The hunk's lines as they read before the patch (context + removed)."""
        return "".join(line[1:] + "\n" for line in self.lines if line[:1] in (" ", "-"))

    def post_image(self) -> str:
        """The hunk's lines as they read after the patch (context + added)."""
        return "".join(line[1:] + "\n" for line in self.lines if line[:1] in (" ", "+"))

    def removed(self) -> list[tuple[int, str]]:
        """(pre-image line number, text) of each removed line."""
        out: list[tuple[int, str]] = []
        n = self.old_start
        for line in self.lines:
            if line.startswith("-"):
                out.append((n, line[1:]))
                n += 1
            elif line.startswith(" "):
                n += 1
        return out


@dataclass(frozen=True)
class FileChange:
    old_path: str | None  # None when the file is created
    new_path: str | None  # None when the file is deleted
    old_blob: str | None
    new_blob: str | None
    hunks: tuple[Hunk, ...]
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def changed_lines(self) -> frozenset[int]:
        return frozenset(n for h in self.hunks for n, _ in h.added())

    def line_changes(self) -> ChangedLines:
        """`ChangedLines` of the post-image, from the hunks as mailed."""
        runs: list[tuple[int, int, list[str]]] = []
        for h in self.hunks:
            n, start, added = h.new_start, h.new_start, 0
            gone: list[str] = []
            for line in (*h.lines, " "):
                mark = line[:1]
                if mark in ("+", "-"):
                    if not added and not gone:
                        start = n
                    if mark == "+":
                        added += 1
                        n += 1
                    else:
                        gone.append(line[1:])
                    continue
                if added or gone:
                    runs.append((start if added else start - 1, added, gone))
                    added, gone = 0, []
                n += mark == " "
        return ChangedLines.from_runs(runs)


@dataclass(frozen=True)
class Patch:
    message: Message
    index: int  # k in k/n, 1-based
    total: int
    author: Address  # From: in the body when present, else the sender
    title: str  # the commit subject (summary without bracketed tags)
    commit_message: str  # body above '---', trailers included
    notes: str  # text between '---' and the diff (changelog, diffstat)
    diff: str
    files: tuple[FileChange, ...]
    trailers: tuple[Trailer, ...]  # from the commit message itself
    patch_id: str | None  # `git patch-id --stable`
    strip: int = 1  # `git apply -p`: 0 when the diff names bare paths (--no-prefix)

    @property
    def msgid(self) -> str:
        return self.message.msgid

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)


@dataclass(frozen=True)
class Reply:
    """A reply attached to what it answers: a patch (index k) or the cover (0)."""

    message: Message
    answers: str  # Message-ID of the patch or cover it belongs under
    patch_index: int  # 0 for the cover letter or the revision as a whole


@dataclass(frozen=True)
class RevisionLink:
    """Why a revision was put in the same series as the previous one."""

    reason: str  # e.g. "change-id", "thread", "author+subject+files"
    confidence: float  # 0..1
    detail: str = ""


@dataclass(frozen=True)
class Revision:
    """One posting of a series: a cover and its patches, with the replies.

    `version` is the author's own number (`v3` in the subjects; when none
    gives it, the one its notes state or its place after a numbered
    revision, reviewer.mail.revisions; else 1); two revisions may share it (a RESEND, a re-post,
    an in-thread respin of one patch).  `label` is unique within the series
    and usable on the command line: `v3`, `v3-resend`, `v3-repost`, `v4.1`
    (the first partial respin inside v4).  `order` is the position in the
    series, 1 for the first: by version, then date (a re-post after the
    original, a respin after the revision it answers; Dates can be wrong)."""

    version: int
    rfc: bool
    resend: bool
    cover: Message | None
    patches: tuple[Patch, ...]
    replies: tuple[Reply, ...]
    expected: int  # n in k/n
    missing: tuple[int, ...]  # indexes 1..n with no patch
    duplicates: tuple[int, ...]  # indexes seen more than once (first kept)
    base_commit: str | None
    change_id: str | None
    link: RevisionLink | None  # None for the first revision of a series
    label: str
    order: int
    # Re-sends only some patches of the revision it follows (`[PATCH v2 3/7]`
    # in reply to v4's 3/7); the others are carried over unchanged.
    partial: bool = False
    # Message-IDs of another send of the same mails that got no replies (a
    # header typo fixed minutes later): not a revision of its own.
    also_sent: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def title(self) -> str:
        if self.cover is not None:
            return self.cover.subject.summary
        return self.patches[0].title if self.patches else ""

    @property
    def first_message(self) -> Message:
        return self.cover if self.cover is not None else self.patches[0].message

    @property
    def sender(self) -> Address:
        return self.first_message.sender

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(p for patch in self.patches for p in patch.paths)

    @property
    def mail_shapes(self) -> tuple[tuple[int, MailShape], ...]:
        """(patch index, shape) of each patch mail that was not a plain
        inline patch mail: what the user is told (MailShape.note)."""
        return tuple((p.index, shape) for p in self.patches for shape in p.message.shapes)


@dataclass(frozen=True)
class Series:
    """All revisions of one patch series, oldest first."""

    revisions: tuple[Revision, ...]

    @property
    def title(self) -> str:
        """The latest whole revision's title (a partial respin's first
        patch is no name for the series)."""
        whole = [r for r in self.revisions if not r.partial] or list(self.revisions)
        return whole[-1].title if whole else ""

    def revision(self, label: str | int) -> Revision:
        """The revision called `label` (`v2`, `2`, `V2`, `v4.1`, `v3-resend`);
        a number names the first posting of that version."""
        found = self.find(label)
        if found is None:
            raise KeyError(label)
        return found

    def find(self, label: str | int) -> Revision | None:
        wanted = str(label).strip().lower()
        wanted = wanted if wanted.startswith("v") else f"v{wanted}"
        return next((r for r in self.revisions if r.label.lower() == wanted), None)
