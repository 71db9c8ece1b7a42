"""One mail → `Message` (and the mails attached to it), with b4's header
and trailer parsing (reviewer.mail.b4safe) and the body read from its MIME
parts (reviewer.mail.parts)."""

from __future__ import annotations

import datetime as dt
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import re
from dataclasses import replace
from email.message import EmailMessage
from functools import lru_cache

import b4

from reviewer.mail.b4safe import body_parts, clean_header, find_trailers
from reviewer.mail.diff import has_diff
from reviewer.mail.parts import read_parts
from reviewer.mail.subject import parse_subject
from reviewer.model import Address, MailShape, Message, Trailer

__all__ = ["parse_bytes", "synthetic_msgid", "to_message", "to_messages"]

# Mail that holds mail (an mbox attached to an mbox…) is read this deep.
MAX_NESTING = 2
# What b4 leaves out of a reply's trailers: commit and mail metadata.
_NOT_FOLLOWUP = {"from", "author", "cc", "to", "date", "subject", "subscribe", "unsubscribe",
                 "base-commit", "change-id", "message-id"}
_ANGLE_ADDR = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


class _PlainHeaders(email.policy.EmailPolicy):
    """b4's policy, but header values come back as plain strings instead of
    header objects: the header registry parses every address list and date
    on each access, which made loading a 1,000-mail thread take seconds.
    Encoded words stay encoded; clean_header decodes them where read."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):  # already a header object (set by us)
            return str(value)
        if not value.isascii() and any("\udc80" <= c <= "\udcff" for c in value):
            # 8-bit bytes in a raw header: read them as UTF-8, as mail clients do.
            value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        return "".join(value.splitlines())


_POLICY = _PlainHeaders(utf8=True, cte_type="8bit", max_line_length=None,
                        message_factory=EmailMessage)


def parse_bytes(raw: bytes) -> EmailMessage:
    parser = email.parser.BytesParser(_class=EmailMessage, policy=_POLICY)
    message: EmailMessage = parser.parsebytes(raw)  # type: ignore[assignment]
    return message


def synthetic_msgid(raw: bytes) -> str:
    """For mail that has none (git format-patch without --thread, patch
    files): a stable Message-ID in a domain that says so."""
    return f"{hashlib.sha1(raw).hexdigest()[:20]}@reviewer.invalid"


def _addresses(msg: EmailMessage, header: str) -> tuple[Address, ...]:
    return _address_list(tuple(str(v) for v in msg.get_all(header, [])))


# A thread repeats its recipient lists: each distinct one is parsed once per
# process (the result is frozen).
@lru_cache(maxsize=8192)
def _address_list(values: tuple[str, ...]) -> tuple[Address, ...]:
    clean = [clean_header(v) for v in values]
    return tuple(Address(n, e) for n, e in email.utils.getaddresses(clean) if e)


def _date(msg: EmailMessage) -> dt.datetime:
    """The Date as b4 reads it: a timezone past a day gives the fields as
    UTC; a missing or unreadable Date (year 99999, a field that overflows)
    is now, so the mail is still read."""
    value = str(msg.get("Date") or "")
    try:
        if value and (t := email.utils.parsedate_tz(value)) is not None:
            if t[-1] is not None and abs(t[-1]) > 86400:
                return dt.datetime(*t[:6], tzinfo=dt.UTC)
            date = email.utils.parsedate_to_datetime(value)
            return date if date.tzinfo else date.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError, TypeError, IndexError):
        pass
    return dt.datetime.now(dt.UTC)


def _joined_name(raw: str, name: str) -> str:
    """The email package's header parser puts a space between two adjacent
    encoded-words (git folds a long name into several, mid-word), which RFC
    2047 joins.  The raw display name decoded again by email.header is kept
    when it differs from b4's only there."""
    head = raw.split("<", 1)[0]
    if "=?" not in head:
        return name
    try:
        text = "".join(p.decode(cs or "raw-unicode-escape", "replace") if isinstance(p, bytes)
                       else p for p, cs in email.header.decode_header(head))
    except Exception:  # a broken encoded-word
        return name
    text = " ".join(text.replace('"', "").split())
    same = text.replace(" ", "") == name.replace('"', "").replace(" ", "")
    return text if text and same else name


def _sender(msg: EmailMessage) -> Address:
    """The From address, as b4 reads it (a name-less address is named by
    itself).  An unterminated quote or comment in the header makes the
    email package return a mangled address; the one in <...> is then
    taken, with the text before it as the name (as git mailinfo does)."""
    raw = next((str(v) for k, v in msg.raw_items() if k.lower() == "from"), "")
    return _parse_sender(raw, tuple(str(v) for v in msg.get_all("from", [])))


@lru_cache(maxsize=8192)  # a thread's mails come from a few people
def _parse_sender(raw: str, values: tuple[str, ...]) -> Address:
    raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # 8-bit headers
    header = clean_header(raw)
    found = email.utils.getaddresses([clean_header(v) for v in values])
    name, addr = found[0] if found else ("", "")
    name = name if name.strip() else addr
    if not addr or re.fullmatch(r"[^\s<>\"()@]+@[^\s<>\"()@]+", addr):
        return Address(_joined_name(raw, name), addr)
    if m := _ANGLE_ADDR.search(header):
        return Address(" ".join(header[:m.start()].replace('"', "").split()), m.group(1))
    return Address(name, addr)


def _references(msg: EmailMessage, in_reply_to: str | None) -> tuple[str, ...]:
    refs: list[str] = []
    for value in msg.get_all("references", []):
        for chunk in clean_header(str(value)).split():
            if (mid := chunk.strip("<>")) not in refs:
                refs.append(mid)
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    return tuple(refs)


def _trailers(body: str, replying: bool, threaded: bool, diff: bool) -> tuple[Trailer, ...]:
    """A reply's trailers as b4 collects follow-ups (Reviewed-by: …; a
    mail in a thread with trailers and no diff is a reply, "Re:" or not);
    a patch's from its commit message."""
    if replying or (threaded and not diff):
        found = find_trailers(body, followup=True)
        if replying or found:
            return tuple(t for t in found if t.lname not in _NOT_FOLLOWUP)
    return body_parts(body).trailers


def to_message(msg: EmailMessage, raw: bytes) -> Message:
    """Convert a parsed mail (its attached mails: to_messages)."""
    return _convert(msg, raw)[0]


def _convert(msg: EmailMessage, raw: bytes) -> tuple[Message, tuple[bytes, ...]]:
    msgid = b4.LoreMessage.get_clean_msgid(msg) or synthetic_msgid(raw)
    in_reply_to = b4.LoreMessage.get_clean_msgid(msg, header="In-Reply-To")
    references = _references(msg, in_reply_to)
    subject = parse_subject(str(msg.get("Subject", "") or ""))
    parts = read_parts(msg)
    diff = has_diff(parts.text)
    return Message(
        msgid=msgid,
        sender=_sender(msg),
        date=_date(msg),
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        body=parts.text,
        trailers=_trailers(parts.text, subject.is_reply, bool(references), diff),
        has_diff=diff,
        raw=raw,
        shapes=parts.shapes,
    ), parts.attached


def to_messages(msg: EmailMessage, raw: bytes, depth: int = 0) -> list[Message]:
    """The mail, then the mails attached to it (message/rfc822, an mbox,
    a format-patch file).  An attached mail that lacks them takes the
    carrier's recipients, date and place in the thread, as if sent with
    `git send-email --in-reply-to`: the first answers the carrier, the
    others the first, and its author goes in an in-body From: line."""
    outer, attached = _convert(msg, raw)
    if depth >= MAX_NESTING or not attached:
        return [outer]
    inner: list[tuple[Message, bool]] = []
    for n, inner_raw in enumerate(attached):
        parsed = parse_bytes(inner_raw)
        sent = b4.LoreMessage.get_clean_msgid(parsed) is not None
        for found in to_messages(parsed, inner_raw, depth + 1):
            inner.append((found if sent else replace(found, msgid=f"{n + 1}.{outer.msgid}",
                                                     date=outer.date), sent))
    known = {outer.msgid} | {m.msgid for m, _sent in inner}
    first = inner[0][0].msgid
    return [outer] + [_carried(m, outer, m.parent_id if m.parent_id in known
                               else (outer.msgid if m.msgid == first else first))
                      for m, _sent in inner]


def _carried(inner: Message, outer: Message, parent: str | None) -> Message:
    body = inner.body
    if inner.sender != outer.sender and inner.has_diff and not re.match(r"\s*From:", body):
        body = f"From: {inner.sender}\n\n{body}"
    return replace(
        inner,
        sender=outer.sender,
        in_reply_to=parent,
        references=inner.references if parent == inner.parent_id else (parent,) if parent else (),
        to=inner.to or outer.to,
        cc=inner.cc or outer.cc,
        body=body,
        shapes=tuple(sorted({*inner.shapes, MailShape.ATTACHED_MAIL})),
    )
