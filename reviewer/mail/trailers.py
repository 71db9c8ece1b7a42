"""Trailers given in replies (Reviewed-by, Acked-by, Tested-by and the other
person trailers b4 knows), per patch per revision, as `b4 am` collects them:

- b4 finds each reply's trailers (`find_trailers`, as a follow-up: the
  mail was loaded through reviewer.mail.b4safe) and a trailer counts only
  when it names the sender, by address or by name (`get_trailers`' rule);
- a reply belongs to the nearest patch or cover letter above it, and a
  trailer given on the cover letter applies to every patch (b4's
  `add_cover_trailers`).

A trailer may be given on a condition ("Once that's done, you may add:",
"Reviewed-by: X, if you fix Y"): the condition's words are kept.  A tag a
bot offers only for a separate fix ("If you fix the issue, kindly add
following tag") is not given to this patch and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import b4

from reviewer.mail.people import full_name
from reviewer.model import Address, Reply, Revision

__all__ = ["GivenTrailer", "TrailerCounts", "given_trailers", "trailer_counts"]

_CONDITION = re.compile(r"\b(if|once|provided|assuming|as long as|in case|after|when|otherwise"
                        r"|with\b[^.;]{0,40}\b(fixed|addressed|changed|done|sorted|resolved"
                        r"|removed|dropped))\b", re.I)
_SEPARATE_FIX = re.compile(r"\bif you fix the issue\b|\bseparate (patch|commit)\b", re.I)
_QUOTED = re.compile(r"^\s{0,2}>")
_BEFORE = 3  # lines above a trailer read for its condition
_LONGEST = 256  # characters of a trailer value worth reading as an address


@dataclass(frozen=True)
class GivenTrailer:
    """One trailer given in a reply, on one patch (0: the cover letter, so
    every patch of the revision)."""

    name: str  # as written, e.g. "Reviewed-by"
    who: Address
    msgid: str  # the reply that gave it
    version: int
    patch: int
    condition: str = ""  # the words making it conditional, "" when it is not

    @property
    def lname(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        return f"{self.name}: {self.who}"


@dataclass(frozen=True)
class TrailerCounts:
    """Acked-by · Reviewed-by · Tested-by given, as b4's A·R·T column."""

    acked: int
    reviewed: int
    tested: int

    def __str__(self) -> str:
        return f"{self.acked}·{self.reviewed}·{self.tested}"


def _condition(body: str, name: str, value: str) -> str:
    """The words around a trailer that make it conditional: the lines just
    above it (up to a blank line after some text), or text after the
    address on the trailer's own line ("..., if you fix Y")."""
    lines = body.split("\n-- \n", 1)[0].splitlines()
    at = next((i for i, ln in enumerate(lines) if not _QUOTED.match(ln)
               and ln.strip().lower().startswith(f"{name.lower()}:")
               and value.split("<")[0].strip()[:20] in ln), None)
    if at is None:
        return ""
    own = lines[at].split(">", 1)[1].strip(" ,;") if ">" in lines[at] else ""
    above: list[str] = []
    for ln in reversed(lines[max(0, at - _BEFORE):at]):
        if _QUOTED.match(ln) or (not ln.strip() and above):
            break
        if ln.strip():
            above.insert(0, ln.strip())
    return " ".join(t for t in (" ".join(above), own) if t and _CONDITION.search(t))


def _names_sender(trailer: b4.LoreTrailer, sender: Address) -> bool:
    """b4's rule for a follow-up trailer (`LoreMessage.get_trailers`): it
    names the sender by address (b4's fuzzy match: `+tags`, subdomains) or
    by name, and a sender whose name has a comma is taken at its word.  A
    list that rewrote the From: ("Name via List") leaves the full name."""
    if trailer.email_eq(sender.email):
        return True
    name = sender.name.lower()
    if trailer.addr is None:
        return False
    full = full_name(sender.name)
    return (trailer.addr[0].lower() == name or "," in name
            or (full is not None and full == full_name(trailer.addr[0])))


def _from_reply(reply: Reply, version: int) -> list[GivenTrailer]:
    """The person trailers of a reply, from those b4 found when the mail was
    loaded (reviewer.mail.b4safe bounds b4's parsing of it)."""
    msg = reply.message
    out = []
    for t in msg.trailers:
        if len(t.value) > _LONGEST:
            continue  # no address is that long; b4's address regexes would crawl
        person = b4.LoreTrailer(name=t.name, value=t.value)
        if person.type != "person" or not person.addr or not _names_sender(person, msg.sender):
            continue
        condition = _condition(msg.body, t.name, t.value)
        if _SEPARATE_FIX.search(condition):
            continue
        who = Address(person.addr[0], person.addr[1])
        out.append(GivenTrailer(t.name, who, msg.msgid, version, reply.patch_index, condition))
    return out


def given_trailers(rev: Revision) -> tuple[GivenTrailer, ...]:
    """Every trailer given in the replies to `rev`, in thread order, each
    (name, person, patch) once."""
    out: dict[tuple[str, str, int], GivenTrailer] = {}
    for reply in sorted(rev.replies, key=lambda r: (r.message.date, r.message.msgid)):
        for t in _from_reply(reply, rev.version):
            out.setdefault((t.lname, t.who.email.lower(), t.patch), t)
    return tuple(out.values())


def trailer_counts(trailers: Iterable[GivenTrailer]) -> TrailerCounts:
    names = [t.lname for t in trailers]
    return TrailerCounts(names.count("acked-by"), names.count("reviewed-by"),
                         names.count("tested-by"))
