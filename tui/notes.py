"""What the reviewer adds to the findings before replying: which findings
go into the reply (marks) and free-form comments under lines of a patch.

Kept in the session for as long as the app runs: a re-run of the checks
keeps them (findings are compared by value, so the same finding found
again keeps its mark).  No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import reviewer

Key = tuple[int, str]  # (series index, revision label), as tui.session has it


def marked_by_default(finding: reviewer.Finding) -> bool:
    """What `reviewer reply` quotes unless told otherwise (its --severity
    warning): errors and warnings; information only when marked."""
    return finding.severity.rank >= reviewer.Severity.WARNING.rank


@dataclass(frozen=True)
class LineComment:
    """A comment and the line it is under: `at` indexes
    `reviewer.reply_lines(revision, comment.patch)`."""

    at: int
    comment: reviewer.Comment


@dataclass
class ReviewNotes:
    _flipped: set[tuple[Key, reviewer.Finding]] = field(default_factory=set)
    _comments: dict[tuple[Key, int], list[LineComment]] = field(default_factory=dict)

    def marked(self, key: Key, finding: reviewer.Finding) -> bool:
        return marked_by_default(finding) != ((key, finding) in self._flipped)

    def toggle(self, key: Key, finding: reviewer.Finding) -> bool:
        """Flip the mark; returns the new one."""
        self._flipped ^= {(key, finding)}
        return self.marked(key, finding)

    def comments(self, key: Key, patch: int) -> list[LineComment]:
        return list(self._comments.get((key, patch), []))

    def put_comment(self, key: Key, new: LineComment | None,
                    old: LineComment | None = None) -> None:
        """Add `new`, or replace `old` with it; `new` None deletes `old`."""
        one = new or old
        if one is None:
            return
        kept = self._comments.setdefault((key, one.comment.patch), [])
        if old is not None and old in kept:
            at = kept.index(old)
            kept[at:at + 1] = [new] if new is not None else []
        elif new is not None:
            kept.append(new)

    def count(self, key: Key) -> int:
        """How many comments the revision has, on every patch."""
        return sum(len(v) for (k, _), v in self._comments.items() if k == key)
