"""What two pieces of review text share: C names, 4-word phrases and
uncommon words, net of the series' everyday vocabulary.  Used to tell
whether a changelog sentence names a reviewer's request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Topic", "content_words", "idents", "match", "norm", "short"]

_IDENT = re.compile(r"[A-Za-z_]\w*(?:->[A-Za-z_]\w*)*(\(\))?")
_IDENT_ANY = re.compile(r"\b\w*_\w*\b|\w+\(\)|->\w+")  # C names, kept out of prose words
_WORD = re.compile(r"[a-z][a-z']+")
_STOP = frozenset("""a about above after again all also an and any are as at be because been before
being below between both but by can could did do does doing done don't down during each few for
from further had has have having here how i if in into is it its itself just let me more most much
my no nor not now of off on once only or other our out over own same should so some such than that
the their them then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your one two yes yet may might must
need needs want wants like get gets got make makes made use used using way well think thing things
sure still even really please patch patches series code here's it's that's i'd i'm i'll we'd we'll
let's""".split())
_MIN_SHARE = 0.4  # of a changelog sentence's own words, for a words-only match


def norm(text: str) -> str:
    return " ".join(text.split())


def short(text: str, width: int = 160) -> str:
    text = norm(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def idents(text: str) -> set[str]:
    """C-looking names: with an underscore, or written as `name()`."""
    out = set()
    for m in _IDENT.finditer(text):
        last = m.group(0).removesuffix("()").split("->")[-1]
        if "_" in last.strip("_") or m.group(1) or last.startswith("__"):
            out.add(last)
    return out


def _stem(word: str) -> str:
    word = word.removesuffix("'s").removesuffix("'")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 \
                and not word.endswith(("ss", "fs")):
            word = word[: -len(suffix)]
            if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsfz":
                word = word[:-1]  # dropped → drop
            break
    return word


def content_words(text: str) -> set[str]:
    prose = _IDENT_ANY.sub(" ", text).lower()
    return {_stem(w) for w in _WORD.findall(prose) if len(w) >= 3 and w not in _STOP}


def _grams(text: str) -> set[str]:
    words = _WORD.findall(_IDENT_ANY.sub(" ", text).lower())
    return {" ".join(words[i:i + 4]) for i in range(len(words) - 3)
            if not all(w in _STOP for w in words[i:i + 4])}


@dataclass(frozen=True)
class Topic:
    """The series' everyday vocabulary (in both revisions' commit messages),
    which says nothing about one request in particular."""

    words: frozenset[str]
    idents: frozenset[str]
    grams: frozenset[str]  # phrases the old revision already had

    @staticmethod
    def of(old_text: str, new_text: str, old_cover: str) -> Topic:
        return Topic(frozenset(content_words(old_text) & content_words(new_text)),
                     frozenset(idents(old_text) & idents(new_text)),
                     frozenset(_grams(old_text + " " + old_cover)))


def match(words: str, extra: set[str], unit: str, topic: Topic,
          loose: bool) -> tuple[int, list[str]]:
    """(score, what `unit` shares with the request); score 0 when too little.
    `extra`: C names of the quoted change, which a changelog may name instead
    of repeating the reviewer's words.  `loose`: shared words alone count."""
    names = ((idents(words) | extra) & idents(unit)) - topic.idents
    grams = (_grams(words) & _grams(unit)) - topic.grams
    own = content_words(unit) - topic.words
    shared = content_words(words) & own
    by_words = loose and len(shared) >= 2 and len(shared) >= _MIN_SHARE * len(own)
    if not names and not grams and not by_words:
        return 0, []
    found = sorted(names) + [f'"{g}"' for g in sorted(grams)[:2]] + sorted(shared)
    return 3 * len(names) + 2 * len(grams) + len(shared), found
