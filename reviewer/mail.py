"""One mail → `Message`, and a patch mail → `Patch`, using b4's parsing
(`b4.LoreMessage`, `b4.LoreSubject`) rather than re-implementing it."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import re
from email.message import EmailMessage

import b4

from reviewer.diff import parse_diff, split_notes_and_diff
from reviewer.model import Address, Message, Patch, SubjectInfo, Trailer

__all__ = ["parse_subject", "to_message", "to_patch"]

# b4 reports unparsable bits through logging; we report them ourselves.
logging.getLogger("b4").setLevel(logging.CRITICAL)

# Mercurial's patchbomb writes "[PATCH 1 of 3]"; b4 only knows "1/3".
_HG_COUNTER = re.compile(r"(\[[^\]]*?)\b(\d{1,4}) of (\d{1,4})\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The leading "[...]" groups (after any "Re:"), where patchwork-style
# "[net,v2,1/2]" separates tags with commas; b4 splits on spaces only.
_LEADING_TAGS = re.compile(r"^(?:\s*(?:\w{2,3}:\s*)*\[[^\]]*\])+")


def parse_subject(subject: str) -> SubjectInfo:
    subject = _HG_COUNTER.sub(r"\1\2/\3", _CONTROL.sub(" ", subject or ""))
    full = b4.LoreSubject(subject).full_subject
    if m := _LEADING_TAGS.match(subject):
        subject = m.group(0).replace(",", " ") + subject[m.end():]
    ls = b4.LoreSubject(subject)
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


def _addresses(msg: EmailMessage, header: str) -> tuple[Address, ...]:
    values = [b4.LoreMessage.clean_header(str(v)) for v in msg.get_all(header, [])]
    return tuple(Address(n, e) for n, e in email.utils.getaddresses(values) if e)


def _synthetic_msgid(raw: bytes) -> str:
    # git format-patch without --thread writes no Message-ID; give it a stable one.
    return f"{hashlib.sha1(raw).hexdigest()[:20]}@reviewer.invalid"


def _with_msgid(msg: EmailMessage, raw: bytes) -> EmailMessage:
    if b4.LoreMessage.get_clean_msgid(msg):
        return msg
    del msg["Message-ID"]
    msg["Message-ID"] = f"<{_synthetic_msgid(raw)}>"
    return msg


def to_message(msg: EmailMessage, raw: bytes) -> Message:
    """Convert a parsed mail.  Raises ValueError on mail b4 cannot read."""
    lmsg = b4.LoreMessage(_with_msgid(msg, raw))
    subject = parse_subject(str(msg.get("Subject", "") or ""))
    if lmsg.reply:
        trailers = tuple(Trailer(t.name, t.value) for t in lmsg.trailers)
    else:
        _h, _m, found, _b, _s = b4.LoreMessage.get_body_parts(lmsg.body)
        trailers = tuple(Trailer(t.name, t.value) for t in found)
    date = lmsg.date if isinstance(lmsg.date, dt.datetime) else dt.datetime.now(dt.UTC)
    return Message(
        msgid=lmsg.msgid,
        sender=Address(lmsg.fromname or "", lmsg.fromemail or ""),
        date=date,
        subject=subject,
        in_reply_to=lmsg.in_reply_to,
        references=tuple(lmsg.references),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        body=lmsg.body.replace("\r\n", "\n"),
        trailers=trailers,
        has_diff=lmsg.has_diff,
        raw=raw,
    )


def _in_body_author(body: str, fallback: Address) -> Address:
    """git send-email puts `From: author` first in the body when the sender
    is not the author (b4's header detection misses it before a blank line)."""
    first = body.lstrip("\n").split("\n", 1)[0]
    if first.lower().startswith("from:"):
        name, addr = email.utils.parseaddr(b4.LoreMessage.clean_header(first[5:].strip()))
        if addr:
            return Address(name, addr)
    return fallback


def to_patch(message: Message, index: int, total: int) -> Patch:
    """Split a patch mail into commit message, notes below `---` and diff."""
    _headers, text, trailers, basement, _sig = b4.LoreMessage.get_body_parts(message.body)
    notes, diff = split_notes_and_diff(basement)
    if not diff:  # no '---' line: the diff follows the message directly
        notes, diff = split_notes_and_diff(text)
        text, notes = notes, ""
    trailer_objs = tuple(Trailer(t.name, t.value) for t in trailers)
    commit_message = text.strip("\n")
    if trailer_objs:
        commit_message += "\n\n" + "\n".join(f"{t.name}: {t.value}" for t in trailer_objs)
    return Patch(
        message=message,
        index=index,
        total=total,
        author=_in_body_author(message.body, message.sender),
        title=message.subject.summary,
        commit_message=commit_message,
        notes=notes.strip("\n"),
        diff=diff,
        files=parse_diff(diff),
        trailers=trailer_objs,
        patch_id=b4.LoreMessage.get_patch_id(diff) if diff else None,
    )
