"""Read the mails of a SOURCE: an mbox (optionally .gz), a maildir, a
directory of .eml/.patch/.mbox files, a single mail file, or a Message-ID or
lore URL (fetched by reviewer.mail.fetch)."""

from __future__ import annotations

import gzip
import mailbox
import re
import zlib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from reviewer.errors import SourceError
from reviewer.mail.message import parse_bytes, to_message
from reviewer.model import Message

__all__ = ["Loaded", "load"]

_MAIL_SUFFIXES = {".eml", ".patch", ".mbox", ".mbx", ".txt", ".diff", ".gz"}
_FROM_LINE = re.compile(rb"^From (\S+ .*\d{4}|mboxrd@z .*)$")
_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.M)
_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:")
# git mailsplit skips whitespace-only lines before the first From_ line.
_LEADING_BLANK = re.compile(rb"\A(?:[ \t]*\r?\n)+")


@dataclass(frozen=True)
class Loaded:
    source: str
    kind: str  # "mbox", "maildir", "directory", "mail"
    messages: tuple[Message, ...]
    problems: tuple[str, ...]  # mails we could not read, one line each


def _split_mbox(data: bytes) -> list[bytes]:
    """Split mbox bytes on From_ lines.  The first line is the envelope
    whatever follows `From ` (as for email.parser and mailbox.mbox); later
    ones must look like `From sender date`.  `>From ` escaping is undone
    only in mboxrd files (public-inbox and b4 write `From mboxrd@...`): git
    format-patch does not escape, so there `>From ` is the author's text."""
    lines = data.splitlines(keepends=True)
    mboxrd = lines[0][5:].startswith(b"mboxrd")
    chunks: list[list[bytes]] = []
    for n, line in enumerate(lines):
        if n == 0 or _FROM_LINE.match(line.rstrip(b"\r\n")):
            chunks.append([])
            continue
        chunks[-1].append(line)
    mails = [b"".join(c) for c in chunks]
    return [_MBOXRD_ESCAPE.sub(rb"\1", m) for m in mails] if mboxrd else mails


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{path}: corrupt gzip data ({exc})") from None
    return data


def _mails_in_file(path: Path) -> list[bytes]:
    data = _LEADING_BLANK.sub(b"", _read_bytes(path), count=1)
    if data.startswith(b"From "):  # an mbox: "From:" would be a header
        return _split_mbox(data)
    if _HEADER.match(data):
        return [data]  # a single RFC 2822 message
    return []


def _is_maildir(path: Path) -> bool:
    return all((path / d).is_dir() for d in ("cur", "new", "tmp"))


def _raw_mails(path: Path) -> tuple[str, list[bytes]]:
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_file():
        mails = _mails_in_file(path)
        return ("mbox" if len(mails) != 1 else "mail"), mails
    if _is_maildir(path):
        md = mailbox.Maildir(str(path), factory=None, create=False)
        return "maildir", [md.get_bytes(key) for key in sorted(md.keys())]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in _MAIL_SUFFIXES)
    return "directory", [m for f in files for m in _mails_in_file(f)]


def _parse(raw: bytes) -> EmailMessage:
    return parse_bytes(raw)


def load(source: str | Path, lore: str | None = None, offline: bool = False) -> Loaded:
    """Load every readable mail of SOURCE; unreadable ones are listed in
    `problems`.  Raises SourceError when nothing usable is there.  A
    Message-ID or archive URL is fetched with its other revisions from
    `lore` (or read from the cache `offline`): see reviewer.mail.fetch."""
    from reviewer.mail.fetch import is_remote, load_remote  # lazy: network code only when used

    if is_remote(source):
        return load_remote(str(source), lore, offline)
    path = Path(source).expanduser()
    try:
        kind, raws = _raw_mails(path)
    except (OSError, mailbox.Error) as exc:
        raise SourceError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    if not raws:
        raise SourceError(f"{path}: not a mailbox (no mail found)")
    messages: list[Message] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(raws, 1):
        try:
            msg = to_message(_parse(raw), raw)
        except Exception as exc:  # b4 raises bare exceptions on broken mail
            problems.append(f"mail #{n}: unreadable ({exc.__class__.__name__}: {exc})")
            continue
        if msg.msgid in seen:
            problems.append(f"mail #{n}: duplicate Message-ID <{msg.msgid}> ignored")
            continue
        seen.add(msg.msgid)
        messages.append(msg)
    if not messages:
        raise SourceError(f"{path}: no readable mail ({problems[0] if problems else 'empty'})")
    return Loaded(str(path), kind, tuple(messages), tuple(problems))
