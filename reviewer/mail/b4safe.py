"""b4's mail parsers, called on input they can take.

b4 is what the field uses to read patch mail, and we call it rather than
re-implement it: `LoreSubject`, `LoreMessage.get_body_parts`,
`find_trailers` and `clean_header`.  Three kinds of input hurt them, and
each is dealt with here, before b4 sees it, without replacing anything of
b4's:

- a long line: b4's trailer regexes (`(.*\\S+)(\\s+#[^#]+)$` and others)
  backtrack in cubic time, so a 2,000-character `Name: value` line takes
  20 s and a hostile mail hours.  No trailer is that long: b4 gets a short
  stand-in for each such line, and the line is put back in what it returns;
- a CR inside a line: `get_body_parts` removes every CR, which breaks a
  patch to a file holding one (`printf "\\rChecking..."`): stood in for too;
- a broken encoded-word (bad base64, a charset with NULs): `clean_header`
  raises, which made the whole mail unreadable; such a word is left as it
  is and the others decoded one by one.
"""

from __future__ import annotations

import email.header
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import b4

from reviewer.model import Trailer

__all__ = ["BodyParts", "body_parts", "clean_header", "find_trailers", "lore_subject"]

# b4 reports unparsable bits through logging; we report them ourselves.
logging.getLogger("b4").setLevel(logging.CRITICAL)

_LONG_LINE = re.compile(r"[^\n]{256,}")
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_PRIVATE_USE = range(0xE000, 0xF900)


def _unused(text: str, skip: str = "") -> str:
    """A private-use character that is not in `text` (nor `skip`)."""
    return next(c for c in map(chr, _PRIVATE_USE) if c not in text and c not in skip)


class _StandIns:
    """Long lines, CRs and leftover `=?` of a text replaced by tokens b4
    reads as plain short text, and put back in what b4 returns."""

    def __init__(self, text: str) -> None:
        self.kept: list[str] = []
        self.mark = _unused(text)
        self.cr = _unused(text, self.mark)
        self.token = re.compile(re.escape(self.mark) + r"(\d+)" + re.escape(self.mark))
        self.text = _LONG_LINE.sub(self._stand_in, text).replace("\r", self.cr)

    def _stand_in(self, m: re.Match[str]) -> str:
        self.kept.append(m.group(0))
        return f"{self.mark}{len(self.kept) - 1}{self.mark}"

    def restore(self, text: str) -> str:
        if self.kept:
            text = self.token.sub(lambda m: self.kept[int(m.group(1))], text)
        return text.replace(self.cr, "\r")


def _trailers(found: list[b4.LoreTrailer], s: _StandIns) -> tuple[Trailer, ...]:
    return tuple(Trailer(s.restore(t.name), s.restore(t.value)) for t in found)


@dataclass(frozen=True)
class BodyParts:
    """A patch mail's body as b4 splits it."""

    headers: tuple[Trailer, ...]  # in-body `From:`/`Subject:` lines above the message
    message: str  # the commit message without its trailers
    trailers: tuple[Trailer, ...]
    basement: str  # what follows `---`: notes, diffstat, diff
    signature: str  # below `-- `


# Reading a patch mail splits its body, and so does making its Patch: the
# same text, split once.
@lru_cache(maxsize=512)
def body_parts(body: str) -> BodyParts:
    s = _StandIns(body)
    headers, message, trailers, basement, signature = b4.LoreMessage.get_body_parts(s.text)
    return BodyParts(_trailers(headers, s), s.restore(message), _trailers(trailers, s),
                     s.restore(basement), s.restore(signature))


def find_trailers(body: str, followup: bool = False) -> tuple[Trailer, ...]:
    s = _StandIns(body)
    found, _others = b4.LoreMessage.find_trailers(s.text, followup)
    return _trailers(found, s)


def _decode_word(m: re.Match[str]) -> str:
    try:
        return "".join(p.decode(cs or "ascii", "replace") if isinstance(p, bytes) else p
                       for p, cs in email.header.decode_header(m.group(0)))
    except Exception:  # noqa: BLE001 - whatever the codec or base64 raise
        return m.group(0)


def clean_header(value: str | None) -> str:
    """A header value decoded as b4 decodes it; a broken encoded-word is
    left as it is and the words around it decoded."""
    try:
        return str(b4.LoreMessage.clean_header(value))
    except Exception:  # noqa: BLE001 - b4 lets the codec's and base64's errors through
        decoded = _ENCODED_WORD.sub(_decode_word, value or "")
        return re.sub(r"\n?\s+", " ", decoded).strip()


def lore_subject(subject: str) -> b4.LoreSubject:
    """b4's reading of a subject, already decoded (`clean_header`): an
    `=?` left in it (a broken encoded-word) is hidden from b4, which would
    try to decode it again, and put back in the fields read here."""
    if "=?" not in subject:
        return b4.LoreSubject(subject)
    mark = _unused(subject)
    ls = b4.LoreSubject(subject.replace("=?", mark))
    ls.full_subject = ls.full_subject.replace(mark, "=?")
    ls.subject = ls.subject.replace(mark, "=?")
    ls.prefixes = [p.replace(mark, "=?") for p in ls.prefixes]
    return ls
