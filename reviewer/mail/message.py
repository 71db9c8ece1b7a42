"""One mail → `Message`, and a patch mail → `Patch`, using b4's parsing
(`b4.LoreMessage`, `b4.LoreSubject`) rather than re-implementing it."""

from __future__ import annotations

import datetime as dt
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import logging
import re
import subprocess
from email.message import EmailMessage
from functools import lru_cache
from typing import Any

import b4

from reviewer.mail.diff import parse_diff, split_notes_and_diff
from reviewer.model import Address, Message, Patch, SubjectInfo, Trailer

__all__ = ["parse_bytes", "parse_subject", "patch_ids", "to_message", "to_patch"]

# b4 reports unparsable bits through logging; we report them ourselves.
logging.getLogger("b4").setLevel(logging.CRITICAL)

# b4's trailer regexes (`(.*\S+)(\s+#[^#]+)$` and others) backtrack in
# cubic time on a long line: a 2,000-character "Name: value" line takes
# 20 s, a hostile mail hours.  No trailer is that long, so b4 is handed a
# short stand-in for each such line, and the line is put back in the
# non-trailer lines it returns.  Done once, for every caller of b4 here.
_LONG_LINE = re.compile(r"[^\n]{256,}")


def _bounded_find_trailers(find: Any) -> Any:
    def find_trailers(body: str, followup: bool = False) -> tuple[list[Any], list[str]]:
        long: dict[str, str] = {}

        def stand_in(m: re.Match[str]) -> str:
            key = f"\ue000{len(long)}\ue001"
            long[key] = m.group(0).strip("\r")
            return key

        short = _LONG_LINE.sub(stand_in, body)
        if not long:
            return find(body, followup)  # type: ignore[no-any-return]
        trailers, others = find(short, followup)
        return trailers, [long.get(line.strip(), line) for line in others]

    find_trailers.bounded = True  # type: ignore[attr-defined]
    return find_trailers


if not getattr(b4.LoreMessage.find_trailers, "bounded", False):
    b4.LoreMessage.find_trailers = staticmethod(  # type: ignore[method-assign]
        _bounded_find_trailers(b4.LoreMessage.find_trailers))

# b4's clean_header raises on a broken encoded-word (bad base64, an unknown
# or NUL-ridden charset), which made the whole mail unreadable: such a word
# is then left as it is, and the others decoded one by one.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")


def _decode_word(m: re.Match[str]) -> str:
    try:
        return "".join(p.decode(cs or "ascii", "replace") if isinstance(p, bytes) else p
                       for p, cs in email.header.decode_header(m.group(0)))
    except Exception:  # noqa: BLE001 - whatever the codec or base64 raise
        return m.group(0)


def _lenient_clean_header(clean: Any) -> Any:
    def clean_header(hdrval: str | None) -> str:
        try:
            return str(clean(hdrval))
        except Exception:  # noqa: BLE001
            decoded = _ENCODED_WORD.sub(_decode_word, hdrval or "")
            return re.sub(r"\n?\s+", " ", decoded).strip()

    clean_header.lenient = True  # type: ignore[attr-defined]
    return clean_header


if not getattr(b4.LoreMessage.clean_header, "lenient", False):
    b4.LoreMessage.clean_header = staticmethod(  # type: ignore[method-assign]
        _lenient_clean_header(b4.LoreMessage.clean_header))

# Mercurial's patchbomb writes "[PATCH 1 of 3]"; b4 only knows "1/3".
_HG_COUNTER = re.compile(r"(\[[^\]]*?)\b(\d{1,4}) of (\d{1,4})\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The leading "[...]" groups (after any "Re:"), where patchwork-style
# "[net,v2,1/2]" separates tags with commas; b4 splits on spaces only.
_LEADING_TAGS = re.compile(r"^(?:\s*(?:\w{2,3}:\s*)*\[[^\]]*\])+")


class _PlainHeaders(email.policy.EmailPolicy):
    """b4's policy, but header values come back as plain strings instead of
    header objects: the header registry parses every address list and date
    on each access, which made loading a 1,000-mail thread take seconds.
    Encoded words stay encoded; b4's clean_header decodes them where read."""

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


# A thread repeats its subjects ("Re: [PATCH v3 2/9] ...") and recipient
# lists: each distinct one is parsed once per process (the results are
# frozen).  A third of loading a long thread went into parsing them again.
_REPEATS = 8192


@lru_cache(maxsize=_REPEATS)
def parse_subject(subject: str) -> SubjectInfo:
    subject = _HG_COUNTER.sub(r"\1\2/\3", _few_brackets(_CONTROL.sub(" ", subject or "")))
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
    return _address_list(tuple(str(v) for v in msg.get_all(header, [])))


@lru_cache(maxsize=_REPEATS)
def _address_list(values: tuple[str, ...]) -> tuple[Address, ...]:
    clean = [b4.LoreMessage.clean_header(v) for v in values]
    return tuple(Address(n, e) for n, e in email.utils.getaddresses(clean) if e)


def _synthetic_msgid(raw: bytes) -> str:
    # git format-patch without --thread writes no Message-ID; give it a stable one.
    return f"{hashlib.sha1(raw).hexdigest()[:20]}@reviewer.invalid"


def _with_msgid(msg: EmailMessage, raw: bytes) -> EmailMessage:
    if b4.LoreMessage.get_clean_msgid(msg):
        return msg
    del msg["Message-ID"]
    msg["Message-ID"] = f"<{_synthetic_msgid(raw)}>"
    return msg


def _without_bad_date(msg: EmailMessage) -> EmailMessage:
    """A Date the email package cannot make a datetime of (year 99999, a
    field that overflows) would make the whole mail unreadable: the mail is
    kept without it, dated like one that has no Date."""
    try:
        value = str(msg.get("Date") or "")
        if value and (t := email.utils.parsedate_tz(value)) is not None:
            # what b4 then makes of it (a timezone past a day: the fields as UTC)
            if t[-1] is not None and abs(t[-1]) > 86400:
                dt.datetime(*t[:6], tzinfo=dt.UTC)
            else:
                email.utils.parsedate_to_datetime(value)
    except (ValueError, OverflowError, TypeError, IndexError):
        del msg["Date"]
    return msg


def _part_text(part: EmailMessage) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    try:
        return data.decode(part.get_content_charset() or "utf-8", "replace")
    except (LookupError, ValueError):  # unknown or broken charset name
        return data.decode("utf-8", "replace")


def _body(msg: EmailMessage, chosen: str) -> str:
    """b4 keeps one text/plain or text/x-patch part, the one with the diff.
    A patch attached below its commit message (text/x-patch, or text/x-diff,
    which b4 skips) needs both, as git am and patchwork read them."""
    if not msg.is_multipart():
        return chosen
    texts = [_part_text(part) for part in msg.walk() if not part.is_multipart()
             and part.get_content_type() in ("text/plain", "text/x-patch", "text/x-diff")]
    diffs = [t for t in texts[1:] if b4.DIFF_RE.search(t)]
    if not texts or not diffs or b4.DIFF_RE.search(texts[0]):
        return chosen
    return texts[0].rstrip("\n") + "\n\n" + diffs[0]


_ANGLE_ADDR = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


def _sender(lmsg: b4.LoreMessage, msg: EmailMessage) -> Address:
    """The From address.  An unterminated quote or comment in the header
    makes the email package return a mangled address; the one in <...> is
    then taken, with the text before it as the name (as git mailinfo does)."""
    name, addr = lmsg.fromname or "", lmsg.fromemail or ""
    raw = next((str(v) for k, v in msg.raw_items() if k.lower() == "from"), "")
    raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # 8-bit headers
    if not addr or re.fullmatch(r"[^\s<>\"()@]+@[^\s<>\"()@]+", addr):
        return Address(_joined_name(raw, name), addr)
    try:
        header = b4.LoreMessage.clean_header(raw)
    except Exception:  # a broken encoded-word: keep what b4 made of it
        header = raw
    if m := _ANGLE_ADDR.search(header):
        return Address(" ".join(header[:m.start()].replace('"', "").split()), m.group(1))
    return Address(name, addr)


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


def _usable_charsets(msg: EmailMessage) -> EmailMessage:
    """A charset name no codec could have (NULs, quotes) makes b4 raise
    where an unknown one makes it fall back to UTF-8: make it UTF-8."""
    for part in msg.walk():
        charset = part.get_param("charset")
        if isinstance(charset, str) and not re.fullmatch(r"[\w.:+-]{1,64}", charset, re.A):
            part.set_param("charset", "utf-8")
    return msg


def to_message(msg: EmailMessage, raw: bytes) -> Message:
    """Convert a parsed mail.  Raises ValueError on mail b4 cannot read."""
    lmsg = b4.LoreMessage(_with_msgid(_without_bad_date(_usable_charsets(msg)), raw))
    subject = parse_subject(str(msg.get("Subject", "") or ""))
    body = _body(msg, lmsg.body)
    if lmsg.reply:
        trailers = tuple(Trailer(t.name, t.value) for t in lmsg.trailers)
    else:
        _h, _m, found, _b, _s = b4.LoreMessage.get_body_parts(body)
        trailers = tuple(Trailer(t.name, t.value) for t in found)
    date = lmsg.date if isinstance(lmsg.date, dt.datetime) else dt.datetime.now(dt.UTC)
    return Message(
        msgid=lmsg.msgid,
        sender=_sender(lmsg, msg),
        date=date,
        subject=subject,
        in_reply_to=lmsg.in_reply_to,
        references=tuple(lmsg.references),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        body=body.replace("\r\n", "\n"),
        trailers=trailers,
        has_diff=lmsg.has_diff or (body is not lmsg.body and bool(b4.DIFF_RE.search(body))),
        raw=raw,
    )


_IN_BODY_HEADER = re.compile(r"^(from|subject|date):[ \t]*(.*)$", re.I)
_EMBEDDED_FROM = re.compile(r"^>?From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$")


def _in_body_headers(body: str) -> tuple[dict[str, str], str]:
    """What `git am` takes from the top of the body: `From:`, `Subject:` and
    `Date:` lines (with their folded continuation lines) and a first line
    `[PATCH] subject`, up to a blank line.  git send-email writes `From:
    author` there when the sender is not the author.  Returns them (keys in
    lower case) and the body without them."""
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
        name, addr = email.utils.parseaddr(b4.LoreMessage.clean_header(value))
        if "@" in addr:
            return Address(name, addr)
    return fallback


def patch_ids(diffs: list[str]) -> list[str | None]:
    """`git patch-id --stable` of many diffs in one git process (one per
    patch made loading a long thread fork git hundreds of times)."""
    if not any(diffs):
        return [None] * len(diffs)
    data = "".join(f"commit {i:040x}\n\n{d if d.endswith(chr(10)) else d + chr(10)}"
                   for i, d in enumerate(diffs) if d)
    proc = subprocess.run(["git", "patch-id", "--stable"], input=data.encode("utf-8", "replace"),
                          capture_output=True, check=False)
    found = {}
    for line in proc.stdout.decode().splitlines():
        pid, _, commit = line.partition(" ")
        found[int(commit, 16)] = pid
    return [found.get(i) for i in range(len(diffs))]


def to_patch(message: Message, index: int, total: int, with_id: bool = True) -> Patch:
    """Split a patch mail into commit message, notes below `---` and diff."""
    in_body, body = _in_body_headers(message.body)
    _headers, text, trailers, basement, _sig = b4.LoreMessage.get_body_parts(body)
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
        author=_in_body_author(in_body.get("from"), message.sender),
        title=(parse_subject(in_body["subject"]).summary if in_body.get("subject")
               else message.subject.summary),
        commit_message=commit_message,
        notes=notes.strip("\n"),
        diff=diff,
        files=parse_diff(diff),
        trailers=trailer_objs,
        patch_id=(patch_ids([diff])[0] if with_id else None),
    )
