"""Read the mails of a SOURCE: an mbox (optionally .gz), a maildir, a
directory of .eml/.patch/.mbox files, a single mail file, a patch file
without mail headers (reviewer.mail.patchfile), or a Message-ID or lore
URL (fetched by reviewer.mail.fetch)."""

from __future__ import annotations

import datetime as dt
import gzip
import mailbox
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import SourceError
from reviewer.mail.mbox import split_mbox, starts_mail
from reviewer.mail.message import parse_bytes, to_messages
from reviewer.mail.patchfile import is_patch_file, patch_file_message
from reviewer.model import Message

__all__ = ["Loaded", "load"]

_MAIL_SUFFIXES = {".eml", ".patch", ".mbox", ".mbx", ".txt", ".diff", ".gz"}
# git mailsplit skips whitespace-only lines before the first From_ line.
_LEADING_BLANK = re.compile(rb"\A(?:[ \t]*\r?\n)+")


@dataclass(frozen=True)
class Loaded:
    source: str
    kind: str  # "mbox", "maildir", "directory", "mail", "patch-file"
    messages: tuple[Message, ...]
    problems: tuple[str, ...]  # mails we could not read, one line each


@dataclass(frozen=True)
class _Raw:
    """One mail's bytes, or a whole patch file's (`path` set) to be read
    without mail headers."""

    data: bytes
    path: Path | None = None


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{path}: corrupt gzip data ({exc})") from None
    return data


def _mails_in_file(path: Path) -> list[_Raw]:
    data = _LEADING_BLANK.sub(b"", _read_bytes(path), count=1)
    if data.startswith(b"From "):  # an mbox: "From:" would be a header
        return [_Raw(m) for m in split_mbox(data)]
    lines = data[:65536].splitlines(keepends=True)
    if starts_mail(lines, 0) or starts_mail(lines[:1], 0):
        return [_Raw(data)]  # a single RFC 2822 message (maybe with broken headers)
    if is_patch_file(data):
        return [_Raw(data, path)]
    return []


def _is_maildir(path: Path) -> bool:
    return all((path / d).is_dir() for d in ("cur", "new", "tmp"))


def _raw_mails(path: Path) -> tuple[str, list[_Raw]]:
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_file():
        mails = _mails_in_file(path)
        if len(mails) == 1 and mails[0].path is not None:
            return "patch-file", mails
        return ("mbox" if len(mails) != 1 else "mail"), mails
    if _is_maildir(path):
        md = mailbox.Maildir(str(path), factory=None, create=False)
        return "maildir", [_Raw(md.get_bytes(key)) for key in sorted(md.keys())]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in _MAIL_SUFFIXES)
    return "directory", [m for f in files for m in _mails_in_file(f)]


def _messages(raw: _Raw) -> list[Message]:
    if raw.path is None:
        return to_messages(parse_bytes(raw.data), raw.data)
    mtime = dt.datetime.fromtimestamp(raw.path.stat().st_mtime, dt.UTC)
    return [patch_file_message(raw.data, raw.path.name, mtime)]


def load(source: str | Path) -> Loaded:
    """Load every readable mail of SOURCE; unreadable ones are listed in
    `problems`.  Raises SourceError when nothing usable is there.  A
    Message-ID or archive URL is fetched with its other revisions (or read
    from the cache offline): see reviewer.mail.fetch."""
    from reviewer.mail.fetch import is_remote, load_remote  # lazy: network code only when used

    if is_remote(source):
        return load_remote(str(source))
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
            read = _messages(raw)
        except Exception as exc:  # b4 raises bare exceptions on broken mail
            problems.append(f"mail #{n}: unreadable ({exc.__class__.__name__}: {exc})")
            continue
        for msg in read:
            if msg.msgid in seen:
                problems.append(f"mail #{n}: duplicate Message-ID <{msg.msgid}> ignored")
                continue
            seen.add(msg.msgid)
            messages.append(msg)
    if not messages:
        raise SourceError(f"{path}: no readable mail ({problems[0] if problems else 'empty'})")
    return Loaded(str(path), kind, tuple(messages), tuple(problems))
