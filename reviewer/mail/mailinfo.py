"""A patch mail → `Patch`: author, title, commit message, notes and diff,
split as `git mailinfo` splits them for `git am` (b4's body parser for
the trailers and the `---` line).

- A scissors line (`-- >8 --`) above the diff drops everything above it,
  as b4 has `git mailinfo --scissors` do: the reply text that came with a
  patch is not its commit message.
- In-body `From:`, `Subject:` and `Date:` lines at the top of the body
  (git send-email writes `From: author` there when the sender is not the
  author) give the author and the title.
"""

from __future__ import annotations

import email.utils
import re

from reviewer.mail.b4safe import body_parts, clean_header
from reviewer.mail.diff import diff_start, read_diff, split_notes_and_diff
from reviewer.mail.subject import parse_subject
from reviewer.model import Address, Message, Patch, Trailer
from reviewer.tree.gitrepo import patch_ids

__all__ = ["is_scissors", "to_patch"]

_IN_BODY_HEADER = re.compile(r"^(from|subject|date):[ \t]*(.*)$", re.I)
_EMBEDDED_FROM = re.compile(r"^>?From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$")
_SCISSORS = ("8<", ">8", "%<", ">%")
_SEPARATOR = re.compile(r"^---\s*$", re.M)
_SIGNATURE = "\n-- \n"
_HIDDEN_SIGNATURE = "\n\ue000-- \n"  # the same line, which b4 does not take for one


def is_scissors(line: str) -> bool:
    """git's is_scissors_line: a perforation of dashes and at least one
    `8<`/`>8`/`%<`/`>%`, 8 columns or more, taking more than a third of
    the line's visible width and mostly dashes and scissors."""
    scissors = gap = perforation = 0
    in_perforation = False
    first = last = -1
    i = 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            if in_perforation:
                perforation += 1
                gap += 1
            i += 1
            continue
        last = i
        first = i if first < 0 else first
        if c == "-":
            in_perforation = True
            perforation += 1
        elif line[i:i + 2] in _SCISSORS:
            in_perforation = True
            perforation += 2
            scissors += 2
            last = i + 1
            i += 1
        else:
            in_perforation = False
        i += 1
    visible = last - first + 1 if first >= 0 else 0
    return bool(scissors) and 8 <= visible < perforation * 3 and gap * 2 < perforation


def _after_scissors(body: str) -> str:
    """The body below the last scissors line of its message part."""
    # The commit message ends at b4's `---` line or at the diff itself.
    end = min(diff_start(body), m.start() if (m := _SEPARATOR.search(body)) else len(body))
    head = body[:end].split("\n")
    cut = max((n for n, line in enumerate(head)
               if any(s in line for s in _SCISSORS) and is_scissors(line)), default=None)
    if cut is None:
        return body
    return "\n".join(head[cut + 1:]) + body[end:]


def _in_body_headers(body: str) -> tuple[dict[str, str], str]:
    """What `git am` takes from the top of the body: `From:`, `Subject:` and
    `Date:` lines (with their folded continuation lines) and a first line
    `[PATCH] subject`, up to a blank line.  Returns them (keys in lower
    case) and the body without them."""
    lines = body.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    found: dict[str, str] = {}
    last: str | None = None
    while i < len(lines):
        line = lines[i]
        if not found and _EMBEDDED_FROM.match(line):
            pass  # a format-patch From_ line quoted into the body
        elif last and line[:1] in (" ", "\t") and line.strip():
            found[last] += " " + line.strip()
        elif m := _IN_BODY_HEADER.match(line):
            last = m.group(1).lower()
            found.setdefault(last, m.group(2).strip())
        elif not found and line.startswith("[PATCH] "):
            found["subject"], last = line, None
        elif found and not line.strip():
            i += 1
            break
        else:
            break
        i += 1
    return (found, "\n".join(lines[i:])) if found else ({}, body)


def _in_body_author(value: str | None, fallback: Address) -> Address:
    """An in-body `From:` that names no address (`From: bogosity`) is
    ignored, as `git am --no-inbody-headers` would."""
    if value:
        name, addr = email.utils.parseaddr(clean_header(value))
        if "@" in addr:
            return Address(name, addr)
    return fallback


def _split(body: str) -> tuple[str, str, str, tuple[Trailer, ...]]:
    """(commit message, notes, diff, trailers).  b4 splits at the `---`
    line; a diff with no `---` above it (quilt, CVS, an attached diff) is
    cut off first, so that b4 reads its `Index:` line as no trailer."""
    head, diff = split_notes_and_diff(body)
    if diff and not _SEPARATOR.search(head):
        parts = body_parts(head)
        diff = diff.strip("\n").rsplit("\n-- \n", 1)[0]  # as b4 cuts its basement
        return parts.message, parts.basement, diff, parts.trailers
    parts = body_parts(_diff_not_signature(body))
    notes, diff = split_notes_and_diff(parts.basement)
    return (parts.message, notes.replace(_HIDDEN_SIGNATURE, _SIGNATURE), diff,
            parts.trailers)


def _diff_not_signature(body: str) -> str:
    """`body` with its last `-- ` line hidden when the diff is below it (a
    note signed above the diffstat, and no signature after the diff): b4
    would take all below it for the signature; git am reads on to the diff."""
    head, sep, tail = body.rpartition(_SIGNATURE)
    if sep and diff_start(tail) < len(tail):
        return head + _HIDDEN_SIGNATURE + tail
    return body


def to_patch(message: Message, index: int, total: int, with_id: bool = True) -> Patch:
    """Split a patch mail into commit message, notes below `---` and diff."""
    in_body, body = _in_body_headers(_after_scissors(message.body))
    text, notes, diff, trailers = _split(body)
    commit_message = text.strip("\n")
    if trailers:
        commit_message += "\n\n" + "\n".join(f"{t.name}: {t.value}" for t in trailers)
    parsed = read_diff(diff)
    return Patch(
        message=message,
        index=index,
        total=total,
        author=_in_body_author(in_body.get("from"), message.sender),
        title=(parse_subject(in_body["subject"]).summary if in_body.get("subject")
               else message.subject.summary),
        commit_message=commit_message,
        notes=notes.strip("\n"),
        diff=diff,
        files=parsed.files,
        trailers=trailers,
        patch_id=(patch_ids([diff])[0] if with_id else None),
        strip=parsed.strip,
    )
