"""The vocabularies of comparing two revisions (reviewer.compare)."""

from __future__ import annotations

import enum

__all__ = [
    "BotStatus",
    "CarryStatus",
    "CodeState",
    "EvidenceKind",
    "PairStatus",
    "QuoteKind",
    "Verdict",
]


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
    OPTION = "option"  # the option asked for (mount option, module parameter ...) is added, or not
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
