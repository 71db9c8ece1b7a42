"""A patch file without mail headers — a bare diff, a quilt patch, an
`stg export` or `hg export` file — read as a one-patch mail with no
sender, as `git am` reads its stgit and hg patch formats:

- hg export: `# HG changeset patch`, then `# User` and `# Date` lines,
  the commit message and the diff;
- stgit (git am's test): a title line, a blank line, then `From:`,
  `Author:` or `Date:` lines, the description and the diff;
- quilt, or anything else with a diff: the description above the diff
  (its first line is the title), or the file's name as the title when the
  file is the diff alone.

The message is marked `MailShape.NO_HEADERS`: rules that need a sender or
recipients skip it (see reviewer.checks.context.CheckContext)."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from pathlib import Path

from reviewer.mail.diff import has_diff, split_notes_and_diff
from reviewer.mail.message import synthetic_msgid
from reviewer.mail.subject import parse_subject
from reviewer.model import Address, MailShape, Message

__all__ = ["is_patch_file", "patch_file_message"]

_STGIT_HEADER = re.compile(r"^(From|Author|Date):\s*(.*)$")
_HG_HEADER = re.compile(r"^# (User|Date) (.*)$")
_FILE_NUMBER = re.compile(r"^\d{1,4}-")


@dataclass(frozen=True)
class _Read:
    title: str
    author: str  # "Name <address>", or "" when the file does not say
    date: dt.datetime | None
    description: str  # the commit message below the title
    diff: str  # from the first diff line to the end (notes above it stay in description)


def _hg_date(value: str) -> dt.datetime | None:
    """hg's `# Date <epoch seconds> <offset west of UTC, in seconds>`."""
    try:
        seconds, offset = value.split()[:2]
        return dt.datetime.fromtimestamp(float(seconds), dt.timezone(-dt.timedelta(
            seconds=int(offset))))
    except (ValueError, OverflowError, OSError):
        return None


def _mail_date(value: str) -> dt.datetime | None:
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _message(lines: list[str]) -> tuple[str, str]:
    """(title, description) of commit-message lines."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    if not lines:
        return "", ""
    return lines[0].strip(), "\n".join(lines[1:]).strip("\n")


def _read(text: str, name: str) -> _Read:
    head, diff = split_notes_and_diff(text)
    lines = head.split("\n")
    author, date = "", None
    if lines[0] == "# HG changeset patch":
        n = 1
        while n < len(lines) and lines[n].startswith("#"):
            if m := _HG_HEADER.match(lines[n]):
                author, date = ((m.group(2), date) if m.group(1) == "User"
                                else (author, _hg_date(m.group(2))))
            n += 1
        title, description = _message(lines[n:])
    elif len(lines) > 2 and lines[0].strip() and not lines[1].strip() \
            and _STGIT_HEADER.match(lines[2]):
        n = 2
        while n < len(lines) and (m := _STGIT_HEADER.match(lines[n])):
            if m.group(1) == "Date":
                date = _mail_date(m.group(2))
            else:
                author = m.group(2).strip()
            n += 1
        title, description = lines[0].strip(), "\n".join(lines[n:]).strip("\n")
    else:
        title, description = _message(lines)
    if not title or title == "---":
        title, description = _FILE_NUMBER.sub("", Path(name).stem), ""
    return _Read(title, author, date, description, diff)


def is_patch_file(data: bytes) -> bool:
    return has_diff(data.decode("utf-8", "replace"))


def patch_file_message(data: bytes, name: str, mtime: dt.datetime) -> Message:
    """The file as a one-patch mail: title as subject, the author (when
    the file names one) as an in-body From: line, no sender."""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    read = _read(text, name)
    header = f"From: {read.author}\n\n" if read.author else ""
    description = read.description.rstrip("\n")
    if description and not re.search(r"^---\s*$", description, re.M):
        description += "\n---"
    body = header + (description + "\n" if description else "---\n") + read.diff
    return Message(
        msgid=synthetic_msgid(data),
        sender=Address("", ""),
        date=read.date or mtime,
        subject=parse_subject(f"[PATCH] {read.title}"),
        in_reply_to=None,
        references=(),
        to=(),
        cc=(),
        body=body,
        trailers=(),
        has_diff=True,
        raw=data,
        shapes=(MailShape.NO_HEADERS,),
    )
