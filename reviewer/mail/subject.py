"""A subject line → `SubjectInfo`, by b4's `LoreSubject` (through
reviewer.mail.b4safe), with the forms b4 does not know made readable."""

from __future__ import annotations

import re
from functools import lru_cache

from reviewer.mail.b4safe import clean_header, lore_subject
from reviewer.model import SubjectInfo

__all__ = ["parse_subject"]

# Mercurial's patchbomb writes "[PATCH 1 of 3]"; b4 only knows "1/3".
_HG_COUNTER = re.compile(r"(\[[^\]]*?)\b(\d{1,4}) of (\d{1,4})\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The leading "[...]" groups (after any "Re:"), where patchwork-style
# "[net,v2,1/2]" separates tags with commas; b4 splits on spaces only.
_LEADING_TAGS = re.compile(r"^(?:\s*(?:\w{2,3}:\s*)*\[[^\]]*\])+")


def _few_brackets(subject: str, keep: int = 16) -> str:
    """b4 takes nested brackets apart one level per pass, each pass scanning
    the subject: a thousand "[" take minutes.  Brackets past the 16th "["
    or "]" are dropped (a real subject has a handful)."""
    if subject.count("[") <= keep and subject.count("]") <= keep:
        return subject
    seen = {"[": 0, "]": 0}

    def bracket(m: re.Match[str]) -> str:
        seen[m.group(0)] += 1
        return m.group(0) if seen[m.group(0)] <= keep else ""

    return re.sub(r"[\[\]]", bracket, subject)


# A thread repeats its subjects ("Re: [PATCH v3 2/9] ..."): each distinct
# one is parsed once per process (the result is frozen).
@lru_cache(maxsize=8192)
def parse_subject(subject: str) -> SubjectInfo:
    """`subject` as the header holds it (encoded-words are decoded here)."""
    subject = clean_header(_CONTROL.sub(" ", subject or ""))
    subject = _HG_COUNTER.sub(r"\1\2/\3", _few_brackets(_CONTROL.sub(" ", subject)))
    full = lore_subject(subject).full_subject
    if m := _LEADING_TAGS.match(subject):
        subject = m.group(0).replace(",", " ") + subject[m.end():]
    ls = lore_subject(subject)
    counter, total = ls.counter, max(ls.expected, ls.counter)
    return SubjectInfo(
        full=full,
        summary=ls.subject,
        version=ls.revision,
        version_given=not ls.revision_inferred,
        counter=counter,
        total=total,
        counters_given=not ls.counters_inferred,
        rfc=ls.rfc,
        resend=ls.resend,
        is_patch=ls.patch,
        is_reply=ls.reply,
        tags=tuple(ls.prefixes),
    )
