"""Split an mbox into mails, as `mailbox.mbox` and `git mailsplit` do.

Separators.  The file's first line is the envelope whatever follows
`From ` (`From nobody`, `From A`, `From 1234… Mon Sep 17 00:00:00 2001`).
A later line starting `From ` separates two mails when a mail's header
block follows it, so that `From nobody` or `From A` with no date split as
`mailbox.mbox` splits them, while a `From the start, …` line of a commit
message (git format-patch does not escape them) stays in its mail.

Escaping.  mboxrd files (public-inbox, lore and b4 write the envelope
`From mboxrd@z …`) have one `>` added to every `>*From ` body line: it is
removed.  In any other mbox, mboxo's escaping (`From ` → `>From `) cannot
be told from a `>From ` the author wrote, so `>From ` is kept as written,
as `git am` (without `--patch-format=mboxrd`) and `mailbox.mbox` keep it.
"""

from __future__ import annotations

import re

__all__ = ["split_mbox", "starts_mail"]

_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.M)
_HEADER_LINE = re.compile(rb"^([!-9;-~]+):")
# Headers every mail has one of; a commit message's "Fixes: …" block
# after a "From …" line does not make it a mail.
_MAIL_HEADERS = {b"from", b"subject", b"date", b"message-id", b"to", b"cc", b"return-path",
                 b"received", b"delivered-to", b"in-reply-to", b"references", b"mime-version",
                 b"content-type", b"x-mailer", b"sender", b"reply-to", b"newsgroups"}


def starts_mail(lines: list[bytes], start: int) -> bool:
    """Whether `lines[start:]` begins with a mail's header block: header
    lines (or their folded continuations) up to a blank line or the end,
    one of them a header every mail has."""
    known = False
    i = start
    while i < len(lines):
        line = lines[i].rstrip(b"\r\n")
        if not line:
            break
        if line[:1] in (b" ", b"\t") and i > start:
            i += 1
            continue
        m = _HEADER_LINE.match(line)
        if m is None:
            return False
        known |= m.group(1).lower() in _MAIL_HEADERS
        i += 1
    return known


def split_mbox(data: bytes) -> list[bytes]:
    """The mails of an mbox (`data` starts with its first `From ` line)."""
    lines = data.splitlines(keepends=True)
    mboxrd = lines[0][5:].startswith(b"mboxrd")
    chunks: list[list[bytes]] = []
    for n, line in enumerate(lines):
        if n == 0 or (line.startswith(b"From ") and starts_mail(lines, n + 1)):
            chunks.append([])
            continue
        chunks[-1].append(line)
    mails = [b"".join(c) for c in chunks]
    return [_MBOXRD_ESCAPE.sub(rb"\1", m) for m in mails] if mboxrd else mails
