"""The data that flows between stages: Message → Thread → Revision → Patch →
ApplyResult → Finding.  Every box is a frozen dataclass; statuses are enums.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Address",
    "ApplyFailure",
    "ApplyResult",
    "BaseChoice",
    "ChangedLines",
    "FileChange",
    "Finding",
    "Hunk",
    "Message",
    "Patch",
    "PatchApply",
    "PatchStatus",
    "Reply",
    "Revision",
    "RevisionLink",
    "Series",
    "Severity",
    "SubjectInfo",
    "Thread",
    "Trailer",
]


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class Trailer:
    """A `Name: value` line at the end of a commit message or reply."""

    name: str
    value: str

    @property
    def lname(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class SubjectInfo:
    """What the `[RFC PATCH v3 1/9] prefix: summary` subject says."""

    full: str
    summary: str  # without the bracketed prefixes
    version: int
    version_given: bool
    counter: int
    total: int
    counters_given: bool
    rfc: bool
    resend: bool
    is_patch: bool  # has a PATCH tag
    is_reply: bool
    tags: tuple[str, ...]  # the bracketed chunks, e.g. ("RFC", "PATCH", "v3", "1/9")


@dataclass(frozen=True)
class Message:
    msgid: str
    sender: Address
    date: dt.datetime
    subject: SubjectInfo
    in_reply_to: str | None
    references: tuple[str, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    body: str  # decoded text body (the first text/plain or patch part)
    trailers: tuple[Trailer, ...]
    has_diff: bool
    raw: bytes = field(repr=False, compare=False)

    @property
    def parent_id(self) -> str | None:
        """The message this one answers: In-Reply-To, else the last Reference."""
        if self.in_reply_to:
            return self.in_reply_to
        return self.references[-1] if self.references else None

    @property
    def recipients(self) -> tuple[Address, ...]:
        return self.to + self.cc


@dataclass(frozen=True)
class Thread:
    """The reply tree.  Messages whose parent is absent are roots, and the
    absent Message-IDs are kept in `missing` so nothing is silently lost."""

    messages: dict[str, Message]
    parents: dict[str, str | None]  # as placed: In-Reply-To, else References
    children: dict[str, tuple[str, ...]]
    roots: tuple[str, ...]
    missing: frozenset[str]

    def __len__(self) -> int:
        return len(self.messages)

    def ancestors(self, msgid: str) -> list[str]:
        """Ancestors of `msgid` in the tree, nearest first."""
        out: list[str] = []
        seen: set[str] = set()
        cur = self.parents.get(msgid)
        while cur is not None and cur not in seen:
            out.append(cur)
            seen.add(cur)
            cur = self.parents.get(cur)
        return out

    def depth(self, msgid: str) -> int:
        return len(self.ancestors(msgid))

    def walk(self) -> list[tuple[int, Message]]:
        """Depth-first (depth, message) pairs, children in date order."""
        out: list[tuple[int, Message]] = []
        stack = [(0, r) for r in reversed(self.roots)]
        while stack:
            depth, mid = stack.pop()
            out.append((depth, self.messages[mid]))
            stack.extend((depth + 1, c) for c in reversed(self.children.get(mid, ())))
        return out


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

    @property
    def label(self) -> str:
        return f"v{self.version}"

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


@dataclass(frozen=True)
class Series:
    """All revisions of one patch series, oldest first."""

    revisions: tuple[Revision, ...]

    @property
    def title(self) -> str:
        return self.revisions[-1].title if self.revisions else ""

    def revision(self, version: int) -> Revision:
        for rev in self.revisions:
            if rev.version == version:
                return rev
        raise KeyError(version)


class PatchStatus(enum.Enum):
    APPLIED = "applied"
    APPLIED_3WAY = "applied-3way"
    ALREADY_APPLIED = "already-applied"
    FAILED = "failed"
    NOT_TRIED = "not-tried"  # an earlier patch of the revision failed

    @property
    def ok(self) -> bool:
        return self in (PatchStatus.APPLIED, PatchStatus.APPLIED_3WAY, PatchStatus.ALREADY_APPLIED)


@dataclass(frozen=True)
class ApplyFailure:
    file: str | None
    hunk: int | None  # 1-based hunk number within the file
    line: int | None  # pre-image line the hunk expected
    reason: str


@dataclass(frozen=True)
class PatchApply:
    index: int
    title: str
    status: PatchStatus
    commit: str | None
    failure: ApplyFailure | None = None  # also why an approximate patch missed exactly
    # Applied only with reduced context (`--fuzzy`, `git apply -C1`): the tree
    # it gives is a guess, and so is every tree-level result on it.
    approximate: bool = False


@dataclass(frozen=True)
class BaseChoice:
    commit: str
    source: str  # "base-commit", "--base" or "HEAD"
    reason: str


@dataclass(frozen=True)
class ApplyResult:
    version: int
    base: BaseChoice | None  # None when no base could be chosen
    patches: tuple[PatchApply, ...]
    ref: str | None  # refs/reviewer/... holding the tip when anything applied
    error: str | None = None  # revision-level problem (e.g. no usable base)

    @property
    def applied(self) -> bool:
        return bool(self.patches) and all(p.status.ok for p in self.patches)

    @property
    def tip(self) -> str | None:
        commits = [p.commit for p in self.patches if p.commit]
        return commits[-1] if commits else None

    @property
    def approximate(self) -> bool:
        """Some patch applied only with reduced context (`--fuzzy`)."""
        return any(p.approximate for p in self.patches)

    @property
    def failed(self) -> PatchApply | None:
        return next((p for p in self.patches if p.status is PatchStatus.FAILED), None)

    def commit_after(self, index: int) -> str | None:
        """The commit holding the tree after patch `index` (1-based)."""
        for p in self.patches:
            if p.index == index:
                return p.commit
        return None


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    version: int
    patch: int | None  # 1-based patch index, None for the revision as a whole
    file: str | None
    line: int | None  # post-image line
    level: str  # "diff" (from the mails) or "tree" (from the applied tree)
    fingerprint: str  # stable across revisions for the same problem
    approximate: bool = False  # read a tree that applied only with `--fuzzy`
