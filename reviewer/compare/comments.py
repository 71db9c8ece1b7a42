"""A reply read as inline comments: each is the quoted lines it answers
(`> ` lines, any depth) and the writer's own words below them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Comment", "inline_comments"]

_QUOTE = re.compile(r"^ {0,2}>")
_QUOTE_PREFIX = re.compile(r"^ {0,2}((?:> ?)+)")
_ELISION = re.compile(r"^\s*(\[\s*(\.\.\.?|…|snip\w*)\s*\]|<\s*snip\w*\s*>|\.\.\.|…)\s*$", re.I)
ATTRIBUTION = re.compile(r"(wrote|writes|撰写|写道)\s*(:|：|-+)?\s*$", re.I)
TRAILER = re.compile(r"^\s*[A-Z][\w-]*-by:\s", re.I)
# Where a top-posting client pastes the mail answered, unquoted.
_ORIGINAL = re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$|^From: .*\n(>?\s*)?Sent: ",
                       re.M | re.I)
_CLOSING = re.compile(r"^(thanks|thank you|regards|best regards|kind regards|cheers|br)\b[^a-z]*"
                      r"(\w+[^a-z]*)?$", re.I)


@dataclass(frozen=True)
class Comment:
    """One inline comment of a reply: quoted lines (with their quote depth)
    and the words below them."""

    quoted: tuple[str, ...]
    depths: tuple[int, ...]
    words: str

    @property
    def direct(self) -> tuple[str, ...]:
        """The quoted lines the writer answers directly (depth 1)."""
        return tuple(q for q, d in zip(self.quoted, self.depths, strict=True) if d == 1)

    @property
    def tail(self) -> tuple[str, ...]:
        """The last run of depth-1 lines: what the words answer when a
        whole mail was quoted above them."""
        out: list[str] = []
        for q, d in reversed(list(zip(self.quoted, self.depths, strict=True))):
            if d != 1 and any(line.strip() for line in out):
                break
            if d == 1:
                out.insert(0, q)
        return tuple(out)


def _paragraphs(lines: list[str]) -> list[list[str]]:
    return [[ln for ln in p.splitlines() if ln.strip()]
            for p in re.split(r"\n\s*\n", "\n".join(lines)) if p.strip()]


def _clean_words(lines: list[str]) -> list[list[str]]:
    """Paragraphs of the writer's own words: no trailers, attribution,
    closing ("Thanks, Anika") or name-only sign-off."""
    lines = [ln for ln in lines if not TRAILER.match(ln) and not ATTRIBUTION.search(ln)]
    paras = _paragraphs(lines)
    for i, para in enumerate(paras):
        if _CLOSING.match(para[0].strip()):
            return paras[:i]
    last = " ".join(paras[-1]).split() if len(paras) > 1 else []
    if 0 < len(last) <= 3 and all(w[:1].isupper() or w[:1] == "-" for w in last):
        paras = paras[:-1]  # a name alone: "Lin", "-Dana", "Amir."
    return paras


def _blocks(lines: list[str]) -> list[tuple[list[tuple[int, str]], list[str]]]:
    """(quoted (depth, line) pairs, plain lines below them), in order.  Quote
    runs separated only by blank or `[...]` lines are one quote."""
    blocks: list[tuple[list[tuple[int, str]], list[str]]] = [([], [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        quoted, words = blocks[-1]
        said = any(w.strip() for w in words)
        if m := _QUOTE_PREFIX.match(line):
            if said:
                blocks.append(([], []))
            blocks[-1][0].append((m.group(1).count(">"), line[m.end():]))
        elif quoted and not said and (not line.strip() or _ELISION.match(line)):
            j = i
            while j < len(lines) and (not lines[j].strip() or _ELISION.match(lines[j])):
                j += 1
            if j < len(lines) and _QUOTE.match(lines[j]):
                i = j
                continue
            words.append(line)
        else:
            words.append(line)
        i += 1
    return blocks


def inline_comments(body: str) -> list[Comment]:
    """A reply's comments.  A last sentence ending in ':' just before a quote
    ("And this:") introduces the next comment."""
    body = body.split("\n-- \n", 1)[0]
    if cut := _ORIGINAL.search(body):
        body = body[:cut.start()]
    blocks = _blocks(body.splitlines())
    out: list[Comment] = []
    lead: list[str] = []
    for n, (quoted, words) in enumerate(blocks):
        paras = _clean_words(words)
        carry: list[str] = []
        if paras and n + 1 < len(blocks) and paras[-1][-1].rstrip().endswith(":"):
            *head, tail = re.split(r"(?<=[.!?])\s+", "\n".join(paras.pop()))
            carry = [tail]
            if head:
                paras.append([" ".join(head)])
        text = "\n\n".join("\n".join(p) for p in ([lead] if lead else []) + paras).strip()
        lead = carry
        kept = [(d, q) for d, q in quoted if not ATTRIBUTION.search(q)]
        while kept and not kept[0][1].strip():
            kept.pop(0)
        while kept and not kept[-1][1].strip():
            kept.pop()
        if text and (kept or n == 0):
            out.append(Comment(tuple(q for _d, q in kept), tuple(d for d, _q in kept), text))
    return out
