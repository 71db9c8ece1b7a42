"""The data that flows between stages: Message → Thread → Revision → Patch →
ApplyResult → Finding.  Every box is a frozen dataclass; every closed
vocabulary is a `StrEnum`, so it compares equal to its string and JSON
keeps the strings docs/json.md documents.
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
    "AttestMethod",
    "AttestStatus",
    "BaseChoice",
    "BaseSource",
    "BotStatus",
    "CarryStatus",
    "ChangedLines",
    "CodeState",
    "EvidenceKind",
    "FileChange",
    "Finding",
    "Hunk",
    "Level",
    "LineSide",
    "MailShape",
    "Message",
    "OutcomeStatus",
    "PairStatus",
    "Patch",
    "PatchApply",
    "PatchStatus",
    "Phase",
    "QuoteKind",
    "Reply",
    "ReviewState",
    "Revision",
    "RevisionLink",
    "RunState",
    "Scope",
    "Series",
    "Severity",
    "SubjectInfo",
    "Thread",
    "Trailer",
    "Verdict",
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


class MailShape(enum.StrEnum):
    """How a patch reached us when not as a plain inline patch mail: told
    to the user (`revisions`, `check`, JSON) with `note`."""

    FLOWED = "format-flowed"  # format=flowed text: soft breaks undone as git mailinfo does
    ATTACHMENT = "attachment"  # the diff came from an attached part
    ATTACHED_MAIL = "attached-mail"  # a mail attached to another (message/rfc822, an mbox)
    NO_HEADERS = "no-mail-headers"  # a bare diff or a quilt/stg/hg patch file

    @property
    def warns(self) -> bool:
        """The patch may differ from what its author sent."""
        return self is MailShape.FLOWED

    @property
    def note(self) -> str:
        return {
            MailShape.FLOWED: "sent format=flowed: soft line breaks undone as git am does "
                              "(a diff line that ended in a space may be damaged)",
            MailShape.ATTACHMENT: "the patch was read from an attachment",
            MailShape.ATTACHED_MAIL: "a mail attached to another mail",
            MailShape.NO_HEADERS: "a patch file without mail headers (bare diff, quilt, stg or "
                                  "hg export): checks of the sender and recipients are skipped",
        }[self]


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
    shapes: tuple[MailShape, ...] = ()

    @property
    def has_headers(self) -> bool:
        """False for a patch file read without mail headers: no sender,
        no recipients, no real subject."""
        return MailShape.NO_HEADERS not in self.shapes

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


class PatchStatus(enum.StrEnum):
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


class BaseSource(enum.StrEnum):
    """What chose a revision's base, strongest evidence first."""

    OPTION = "--base"  # the user's --base, over any evidence
    BASE_COMMIT = "base-commit"  # the mail's `base-commit:` trailer
    BLOBS = "blobs"  # the pre-image blob ids of the patches' `index` lines
    RELEASE = "release"  # a release the cover or changelog names, as a tag
    HEAD = "HEAD"  # no evidence: the tree's HEAD


@dataclass(frozen=True)
class BaseChoice:
    commit: str
    source: BaseSource
    reason: str  # everything weighed, in a sentence ("no base-commit in the mail; blobs: …")
    evidence: str = ""  # what chose it, short: "blobs: 3/3 pre-images at overlayfs-next"
    name: str | None = None  # a ref naming the commit ("overlayfs-next", "v5.7-rc5")
    matched: int = 0  # pre-image blobs of the revision found at the commit …
    blobs: int = 0  # … of this many (files the series changes and does not create)
    release: str | None = None  # the release the mails name ("v5.7-rc5"), found or not

    @property
    def label(self) -> str:
        """The name when there is one, else the short commit id."""
        return self.name or self.commit[:12]


@dataclass(frozen=True)
class ApplyResult:
    version: int
    base: BaseChoice | None  # None when no base could be chosen
    patches: tuple[PatchApply, ...]
    ref: str | None  # refs/reviewer/... holding the tip when anything applied
    error: str | None = None  # revision-level problem (e.g. no usable base)
    # When a patch did not apply: what to try (the base the mail names,
    # --base, --fuzzy …), once for the revision rather than on every patch.
    advice: tuple[str, ...] = ()
    label: str = ""  # the revision's label (Revision.label)

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


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Level(enum.StrEnum):
    """What a finding (or a rule) read: the mails, or the applied tree."""

    DIFF = "diff"
    TREE = "tree"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    version: int
    patch: int | None  # 1-based patch index, None for the revision as a whole
    file: str | None
    line: int | None  # post-image line
    level: Level
    fingerprint: str  # stable across revisions for the same problem
    approximate: bool = False  # read a tree that applied only with `--fuzzy`
    revision: str = ""  # the revision's label (`v4.1`); `version` is its number
    # Every patch the one cause covers (a broken-build range, or the same
    # problem repeated on several patches), `patch` being the first.
    patches: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return self.revision or f"v{self.version}"

    def covers(self, index: int) -> bool:
        return index == self.patch or index in self.patches


class LineSide(enum.StrEnum):
    """What a line number of a diff counts."""

    NEW = "new"  # lines of the post-image: context and added lines
    OLD = "old"  # lines of the pre-image: context and removed lines
    HUNK = "hunk"  # the hunks of the patch: the number is a hunk's, its header is meant


class ReviewState(enum.StrEnum):
    """Where the user's review of a series stands (reviewer.store.state)."""

    NEW = "new"
    REVIEWING = "reviewing"
    REPLIED = "replied"
    WAITING = "waiting"  # for a new revision
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SNOOZED = "snoozed"  # until a date, then back to the state before


class AttestMethod(enum.StrEnum):
    PATATT = "patatt"  # X-Developer-Signature, the author's own key
    DKIM = "dkim"  # DKIM-Signature, the sending domain's key (in DNS)


class AttestStatus(enum.StrEnum):
    VALID = "valid"
    BAD = "bad"  # the signature does not verify: the mail changed, or is forged
    NO_KEY = "no-key"  # signed, but the key is not available here
    NOT_CHECKED = "not-checked"  # DKIM without DNS (offline, or not asked)
    UNSIGNED = "unsigned"

    @property
    def rank(self) -> int:
        """Higher is more worth showing: VALID only wins when it is the sender's."""
        return {"unsigned": 0, "not-checked": 1, "no-key": 2, "valid": 3, "bad": 4}[self.value]



# --- comparing two revisions (reviewer.compare) ------------------------------------


class PairStatus(enum.StrEnum):
    """How a patch of one revision relates to a patch of the other."""

    SAME = "same"  # equal patch-id (or the same changed lines)
    CHANGED = "changed"
    ADDED = "added"  # only in the later revision
    REMOVED = "removed"  # only in the earlier one


class QuoteKind(enum.StrEnum):
    """What a review comment quotes."""

    DIFF = "diff"
    MESSAGE = "message"  # the commit message
    COVER = "cover"
    REPLY = "reply"  # another mail of the discussion
    NONE = "none"


class CodeState(enum.StrEnum):
    """What the later revision did to the quoted lines."""

    UNCHANGED = "unchanged"  # all still there, nothing changed between them
    CHANGED = "changed"  # some changed while the code around them stayed
    REMOVED = "removed"  # deleted, nothing in their place, the code around them stayed
    MOVED = "moved"  # unchanged, but now in another patch (the series was split)
    REPLACED = "replaced"  # gone together with the code around them
    NOT_CHECKABLE = "n/a"  # nothing of the diff or commit message quoted


class EvidenceKind(enum.StrEnum):
    """Why a request got its verdict; each kind is shown with its detail."""

    QUOTE = "quote"  # the quoted lines in the later revision (a CodeState)
    CHANGELOG = "changelog"  # a changelog sentence names it
    COMMIT_MESSAGE = "commit-message"  # a new commit-message sentence names it
    ADOPTED = "adopted"  # new code uses (or newly touches) a C name the reviewer wrote
    SUGGESTED = "suggested"  # the code the reviewer suggested is there, or only part of it
    TAG = "tag"  # the trailer the reviewer asked for (Fixes:, Cc: stable ...) is there, or not
    API_DROPPED = "api-dropped"  # an API change the comment quotes is gone
    ACCEPTED = "accepted"  # the author (or maintainer) replied agreeing
    DECLINED = "declined"  # they replied declining, with a reason
    DONE = "done"  # someone replied that it was done without a new revision


class Verdict(enum.StrEnum):
    """What became of a reviewer's request in the later revision."""

    ADDRESSED = "addressed"
    OPEN = "open"  # the quoted code is unchanged and nothing names the request
    REJECTED = "rejected-with-reason"  # declined in a reply, the code kept
    SUPERSEDED = "superseded"  # the quoted code was replaced or removed wholesale
    UNKNOWN = "unknown"  # no later revision to look at
    UNCLEAR = "unclear"  # evidence neither way


class BotStatus(enum.StrEnum):
    """Whether the revision after a bot's report still has what it flagged."""

    FIXED = "fixed"
    NOT_FIXED = "not-fixed"
    NO_NEXT = "no-next-revision"
    NOT_APPLICABLE = "not-applicable"  # a test result, nothing flagged
    UNCLEAR = "unclear"  # nothing flagged that could be looked for


class CarryStatus(enum.StrEnum):
    """Whether the next revision carried a trailer given in a reply."""

    CARRIED = "carried"
    MISSING = "missing"  # the patch is unchanged, the trailer is not there
    PATCH_CHANGED = "patch-changed"  # not carried, and the patch changed: fine
    PATCH_DROPPED = "patch-dropped"  # the next revision has no such patch
    NO_NEXT = "no-next-revision"


class Scope(enum.StrEnum):
    """What a rule looks at (reviewer.checks.registry)."""

    MESSAGE = "message"  # one mail's headers and text
    PATCH = "patch"  # one patch's diff
    REVISION = "revision"  # all patches of a revision together
    SERIES = "series"  # a revision against the ones before it
    TREE = "tree"  # the applied tree


class OutcomeStatus(enum.StrEnum):
    """How a rule's run on a revision went."""

    RAN = "ran"
    SKIPPED = "skipped"  # it could not run here (no tree, no perl): the reason says why
    ERROR = "error"  # it crashed; the other rules still ran


class Phase(enum.StrEnum):
    """What a review run is doing (reviewer.run)."""

    APPLYING = "applying"
    CHECKING = "checking"
    READING_TREE = "reading the tree"  # a base tree's C source, for its kernel facts (bytes)


class RunState(enum.StrEnum):
    """How a review run ended."""

    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"
