"""Who is who: the addresses and names one person uses.

People change address (a new employer, a personal account, a list that
mangles the From:), so "the same person" is decided as checkpatch and b4
do, from three kinds of evidence:

- the tree's `.mailmap` (gitmailmap(5)): every address on one line is one
  person;
- the name: two addresses shown with the same full name (two words or
  more, "Last, First" read as "First Last") are one person;
- what the mails themselves say: the display names seen for an address
  anywhere in the thread, and a patch's in-body `From:` (its author).

A bare first name ("Andrew <a@x>") is too common to join two people on its
own; it only counts as a *partial* match with a full name that starts or
ends with it (`Identities.related`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reviewer.model import Address

__all__ = ["Identities", "full_name", "parse_mailmap"]

_MAILMAP_PART = re.compile(r"\s*([^<#]*?)\s*<([^>]*)>")
_NOT_NAME = re.compile(r"[\"'()]|\bvia\b.*$", re.I)


def _name_words(name: str) -> list[str]:
    """`"Yurkov, Vyacheslav"` → [vyacheslav, yurkov]; quotes and a
    trailing `via <list>` (a list that rewrote the From:) dropped."""
    text = unicodedata.normalize("NFKC", _NOT_NAME.sub("", name)).casefold()
    if text.count(",") == 1:
        last, first = text.split(",")
        text = f"{first} {last}"
    return [w for w in re.split(r"[\s,]+", text) if w]


def full_name(name: str) -> str | None:
    """The normalised name when it has two words or more, else None."""
    words = _name_words(name)
    return " ".join(words) if len(words) >= 2 else None


def parse_mailmap(text: str) -> list[list[Address]]:
    """The `.mailmap` lines as groups of addresses of one person each
    (`Proper Name <proper@x> Commit Name <commit@x>` and its shorter forms)."""
    groups: list[list[Address]] = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        found = [Address(name, email.strip()) for name, email in _MAILMAP_PART.findall(line)
                 if "@" in email]
        if found:
            groups.append(found)
    return groups


class Identities:
    """Addresses joined into people: a union-find over addresses and full
    names, the `.mailmap` lines joining theirs."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._names: dict[str, set[str]] = {}  # address → display names seen

    @classmethod
    def of(cls, seen: Iterable[Address], mailmap: str | None = None) -> Identities:
        """From the addresses seen in the mails (senders, recipients, in-body
        `From:` and trailers alike) and the base's `.mailmap` text."""
        ids = cls()
        for addr in seen:
            ids.add(addr)
        for group in parse_mailmap(mailmap or ""):
            for addr in group:
                ids.add(addr, by_name=False)
                ids._join(f"e:{group[0].email.lower()}", f"e:{addr.email.lower()}")
        return ids

    def add(self, addr: Address, by_name: bool = True) -> None:
        email = f"e:{addr.email.lower()}"
        self._parent.setdefault(email, email)
        if addr.name:
            self._names.setdefault(email, set()).add(addr.name)
        if by_name and (name := full_name(addr.name)):
            self._join(email, f"n:{name}")

    def _find(self, key: str) -> str:
        root = key
        while self._parent.setdefault(root, root) != root:
            root = self._parent[root]
        while self._parent[key] != root:  # path compression
            self._parent[key], key = root, self._parent[key]
        return root

    def _join(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[rb] = ra

    def person(self, addr: Address) -> str:
        """A key naming the person behind `addr` (equal keys: `same`)."""
        self.add(addr)
        return self._find(f"e:{addr.email.lower()}")

    def same(self, a: Address, b: Address) -> bool:
        """Same address, or joined by `.mailmap` or full name."""
        if a.email.lower() == b.email.lower():
            return True
        self.add(a)
        self.add(b)
        return self._find(f"e:{a.email.lower()}") == self._find(f"e:{b.email.lower()}")

    def addresses(self, addr: Address) -> set[str]:
        """Every address (lower case) known to be this person's."""
        self.add(addr)
        root = self._find(f"e:{addr.email.lower()}")
        return {key[2:] for key in list(self._parent)
                if key.startswith("e:") and self._find(key) == root}

    def names(self, addr: Address) -> set[str]:
        """Every display name seen with this address (and the one given)."""
        return self._names.get(f"e:{addr.email.lower()}", set()) | ({addr.name} - {""})

    def anonymous(self, addr: Address) -> bool:
        """Nothing but the address is known: no full name was ever seen with it."""
        return not any(full_name(n) for n in self.names(addr))

    def related(self, a: Address, b: Address) -> bool:
        """`same`, or a partial match: a one-word name seen with one address
        is the first or last word of a full name of the other."""
        if self.same(a, b):
            return True
        for short, full in ((a, b), (b, a)):
            words = [_name_words(n) for n in self.names(full)]
            for name in self.names(short):
                one = _name_words(name)
                if len(one) == 1 and any(len(w) >= 2 and one[0] in (w[0], w[-1])
                                         for w in words):
                    return True
        return False
