"""Which parts of a MIME mail hold its text and its patch, and how each is
decoded, as `git mailinfo`, b4 and patchwork read them.

- The text is the first text/plain part (or text/x-patch, or any text
  subtype but HTML and the like).  When it holds
  no diff, the diffs of the other parts follow it: a patch attached as
  text/x-patch, text/x-diff, text/plain or application/octet-stream (any
  part whose content is a diff), in their order, as patchwork joins them.
- A part that is itself a mail — message/rfc822, an attached mbox, or a
  `git format-patch` file — is not text: its mails are returned apart
  (`Parts.attached`) for the caller to read as mails of their own.
- `format=flowed` text (RFC 3676) has its soft line breaks and space-
  stuffing undone, as `git mailinfo` does (`DelSp=yes` too); quoted lines
  are left as they are.
- CRLF line ends that are the mail's (its first line and every diff
  header line end in CR) are made LF, as `git mailinfo --quoted-cr=strip`
  does; a CR inside a line, or CRLF ends on a patch's content lines only
  (a file with CRLF line ends), are the patch's and are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage

from reviewer.mail.diff import has_diff
from reviewer.mail.mbox import split_mbox, starts_mail
from reviewer.model import MailShape

__all__ = ["Parts", "read_parts", "undo_flowed"]

# Text that is not plain; any other text/* subtype (text/x-patch, text/x-diff,
# a mangled "text/plai") reads as text/plain, as RFC 2046 asks.
_SKIP = ("text/html", "text/enriched", "text/richtext", "text/rtf", "text/calendar",
         "text/vcard", "text/x-vcard", "application/pgp-signature", "application/pkcs7-signature")
_MAIL_TYPES = ("message/rfc822", "application/mbox")
_DIFF_HEADER = re.compile(r"^(?:diff --git |@@ |\+\+\+ |--- )")
# No more parts than this are read (a hostile mail may hold thousands).
MAX_PARTS = 200


@dataclass(frozen=True)
class Parts:
    text: str  # the mail's body as one text: message, then attached diffs
    shapes: tuple[MailShape, ...]  # FLOWED and/or ATTACHMENT when they apply
    attached: tuple[bytes, ...]  # mails attached to this one, each as raw bytes


def _charset(part: EmailMessage) -> str:
    charset = part.get_param("charset")
    return charset if isinstance(charset, str) and re.fullmatch(r"[\w.:+-]{1,64}", charset, re.A) \
        else "utf-8"


def _decoded(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _as_text(part: EmailMessage, data: bytes) -> str:
    try:
        return data.decode(_charset(part), "replace")
    except (LookupError, ValueError):  # unknown or broken charset name
        return data.decode("utf-8", "replace")


def _mail_line_ends(text: str) -> str:
    if "\r\n" not in text:
        return text
    headers = [line for line in text.split("\n") if _DIFF_HEADER.match(line)]
    first = text.split("\n", 1)[0]
    if first.endswith("\r") or (headers and all(h.endswith("\r") for h in headers)):
        return text.replace("\r\n", "\n")
    return text


def undo_flowed(text: str, delsp: bool) -> str:
    """RFC 3676 as `git mailinfo` reads it: a line ending in a space
    continues on the next line, one leading space is stuffing, and the
    signature separator `-- ` is not flowed.  Quoted lines (`>`) are kept
    as they are: mail clients quote a diff's blank context line as `>  `,
    which would join it with the next quoted line."""
    out: list[str] = []
    pending: str | None = None
    for line in text.split("\n"):
        if line.startswith(">"):
            out += [pending] if pending is not None else []
            out.append(line)
            pending = None
            continue
        content = line[1:] if line.startswith(" ") else line
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        content = (pending or "") + content
        pending = content if flowed else None
        if not flowed:
            out.append(content)
    if pending is not None:
        out.append(pending)
    return "\n".join(out)


def _leaves(msg: EmailMessage) -> list[EmailMessage]:
    """The mail's non-multipart parts in order (an attached mail counts as
    one part: its own parts are its business)."""
    out: list[EmailMessage] = []
    stack = [msg]
    while stack and len(out) < MAX_PARTS:
        part = stack.pop()
        if part.get_content_type() in _MAIL_TYPES or not part.is_multipart():
            out.append(part)
        else:
            stack.extend(reversed(list(part.iter_parts())))  # type: ignore[arg-type]
    return out


def _is_attachment(part: EmailMessage) -> bool:
    return part.get_content_disposition() == "attachment" or bool(part.get_param("name"))


def _attached_mails(part: EmailMessage, data: bytes) -> list[bytes]:
    """The mails a part holds when it is one: message/rfc822, an mbox or a
    `git format-patch` file (a From_ line, mail headers, a patch), or an
    attached .eml (mail headers first)."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        return [first.as_bytes()] if isinstance(first, EmailMessage) else []
    data = data.lstrip(b"\r\n")
    lines = data.splitlines(keepends=True)
    if data.startswith(b"From ") and starts_mail(lines, 1):
        return split_mbox(data)
    if (part.get_content_type() == "application/mbox" or _is_attachment(part)) \
            and starts_mail(lines, 0):
        return [data]
    return []


@dataclass(frozen=True)
class _Text:
    content: str
    flowed: bool
    attachment: bool


def _read_text(part: EmailMessage, data: bytes) -> _Text:
    content = _mail_line_ends(_as_text(part, data))
    flowed = str(part.get_param("format") or "").lower() == "flowed"
    if flowed:
        content = undo_flowed(content, str(part.get_param("delsp") or "").lower() == "yes")
    return _Text(content, flowed, _is_attachment(part))


def read_parts(msg: EmailMessage) -> Parts:
    text: _Text | None = None
    diffs: list[_Text] = []
    attached: list[bytes] = []
    for part in _leaves(msg):
        ctype = part.get_content_type()
        if ctype in _SKIP:
            continue
        plain = part.get_content_maintype() == "text"
        data = b"" if ctype == "message/rfc822" else _decoded(part)
        # The mail's own text may start as a format-patch file does (in-body headers).
        own_text = text is None and plain and not _is_attachment(part)
        if not own_text and (mails := _attached_mails(part, data)):
            attached += mails
            continue
        if not plain and b"\0" in data:
            continue  # an image, an archive: binary, not a patch
        if text is None and plain:
            text = _read_text(part, data)
        elif has_diff((found := _read_text(part, data)).content):
            diffs.append(found)
    if text is not None and has_diff(text.content):
        diffs = []  # an inline patch: attached copies or other diffs are not it
    used = ([text] if text is not None else []) + diffs
    shapes = {MailShape.FLOWED for t in used if t.flowed}
    if diffs or (text is not None and text.attachment and has_diff(text.content)):
        shapes.add(MailShape.ATTACHMENT)
    body = text.content if text is not None else ""
    if diffs:
        body = (body.rstrip("\n") + "\n\n" if body.strip() else "") + "".join(
            d.content if d.content.endswith("\n") else d.content + "\n" for d in diffs)
    return Parts(body, tuple(sorted(shapes)), tuple(attached))
