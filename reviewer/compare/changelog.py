"""What a later revision says it changed: the changelog sentences of its
cover letter and of the notes below `---` (only the sections for the
versions in between), and the sentences its commit messages gained.
"""

from __future__ import annotations

import re

from reviewer.compare.comments import TRAILER
from reviewer.compare.wording import norm
from reviewer.mail.intent import SINCE, SPAN
from reviewer.model import Patch, Revision

__all__ = ["changelog_units", "message_text", "new_sentences", "revision_changelog"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_DIFFSTAT = re.compile(r"^\s*(\S+\s+\|\s+(\d+|Bin)|\d+ files? changed)")
_SHORTLOG = re.compile(r"^\S.*\(\d+\):\s*$")
_IN = re.compile(r"^\s*(?:changes\s+(?:in|for)\s+)?v(\d+)\s*:?\s*$", re.I)
_BULLET = re.compile(r"^\s*[-*•]\s+")


def message_text(patches: tuple[Patch, ...] | list[Patch]) -> str:
    """Titles and commit messages, whitespace-normalized."""
    return norm(" ".join(f"{p.title}\n{p.commit_message}" for p in patches))


def _relevant(head: str, old: int, new: int) -> bool | None:
    """Does a changelog heading cover versions after `old` up to `new`?
    None when the line is no heading."""
    if len(head) > 60:
        return None
    if m := SPAN.search(head):
        return old <= int(m.group(1)) and int(m.group(2)) <= new
    if m := SINCE.search(head):
        return int(m.group(1)) >= old
    if m := _IN.match(head):
        return old < int(m.group(1)) <= new
    return None


def changelog_units(text: str, old: int, new: int) -> list[str]:
    """Bullet items and sentences of a cover letter or of the notes below
    `---`, in the sections that describe versions after `old` up to `new`
    (text under no version heading counts); diffstat and shortlog left out."""
    units: list[str] = []
    keep, bullet, shortlog = True, False, False
    for line in text.splitlines():
        heading = _relevant(line.strip(), old, new) if line.strip() else None
        shortlog = bool(_SHORTLOG.match(line)) or (shortlog and line.startswith(" "))
        if heading is not None:
            keep, bullet = heading, False
        elif not keep or shortlog or _DIFFSTAT.match(line) or not line.strip():
            bullet = False
            units.append("")
        elif _BULLET.match(line):
            units.append(_BULLET.sub("", line).strip())
            bullet = True
        elif units and units[-1] and (bullet or not line.startswith(" ")):
            units[-1] += " " + line.strip()
        else:
            units.append(line.strip())
    return [s.strip() for u in units for s in _SENTENCE.split(u) if s.strip()]


def new_sentences(old: Revision, new: Revision) -> list[str]:
    """Sentences of the new commit messages that the old ones did not have."""
    before = message_text(old.patches)
    out: list[str] = []
    for patch in new.patches:
        text = "\n".join(ln for ln in patch.commit_message.splitlines() if not TRAILER.match(ln))
        out += [s for s in re.split(r"(?<=[.!?])\s+", norm(text)) if s and s not in before]
    return out


def revision_changelog(old: Revision, new: Revision) -> list[tuple[str, str]]:
    """(source, sentence): "changelog" for the cover letter and the notes
    below `---`, "commit-message" for sentences the commit messages gained."""
    mails = ([new.cover.body] if new.cover else []) + [p.notes for p in new.patches]
    units = [("changelog", u) for text in mails
             for u in changelog_units(text, old.version, new.version)]
    units += [("commit-message", s) for s in new_sentences(old, new)]
    return list(dict.fromkeys(units))  # the same "Pass 0" sentence in seven patches
