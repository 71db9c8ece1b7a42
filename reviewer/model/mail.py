"""Mail as read: addresses, trailers, subjects, messages and the thread they form."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

__all__ = ["Address", "MailShape", "Message", "SubjectInfo", "Thread", "Trailer"]


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
