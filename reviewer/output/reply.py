"""A review reply draft: an RFC 822 message that the user's mailer or `git
send-email` sends as it is.  It answers a patch (or the cover letter) of a
revision: threaded under it (`In-Reply-To`, `References`), to its sender,
Cc everyone the patch went to, quoting the hunks the review is about with
each finding or comment under its line (reviewer.output.quote).

Nothing here sends mail or touches the network: a draft is text, written
to a file by `write_draft`.  A `Reviewed-by:` trailer is added only when
asked for and only while no error-level finding is open.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import email.utils
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from email import headerregistry
from email.message import EmailMessage
from pathlib import Path

from reviewer.errors import ReplyError
from reviewer.mail.b4safe import clean_header
from reviewer.model import Address, ApplyResult, Finding, Message, Revision, Severity
from reviewer.output.quote import Comment, quoted_body, reply_lines, to_mail_lines
from reviewer.tree.gitrepo import GitRepo

__all__ = ["Draft", "blocking_errors", "draft_reply", "in_mail_lines", "reply_findings",
           "reply_target", "write_draft"]

# Lines longer than this cannot be sent as they are (RFC 5322's limit).
_MAX_LINE = 998
_POLICY = email.policy.default.clone(linesep="\n")


@dataclass(frozen=True)
class Draft:
    text: str  # the whole message, headers and body, with LF line ends
    answers: str  # the Message-ID it replies to
    filename: str  # a name derived from the patch, e.g. re-v1-1-ovl-fix-lookup.eml
    reviewed_by: bool

    def as_bytes(self) -> bytes:
        return self.text.encode("utf-8")


def reply_target(revision: Revision, patch: int | None) -> int:
    """The patch a reply answers: `patch`, else the cover letter (0), else
    the first patch.  Raises ReplyError for a patch the revision lacks."""
    if patch is None:
        return 0 if revision.cover is not None else revision.patches[0].index
    have = {p.index for p in revision.patches} | ({0} if revision.cover else set())
    if patch not in have:
        what = "cover letter" if patch == 0 else f"patch {patch}"
        raise ReplyError(f"{revision.label} has no {what} "
                         f"(have: {', '.join(map(str, sorted(have)))})")
    return patch


def _stands_for_revision(revision: Revision, target: int) -> bool:
    """The cover letter, or without one the first patch, answers for the
    revision as a whole."""
    first = revision.patches[0].index if revision.patches else 1
    return target == 0 or (revision.cover is None and target == first)


def reply_findings(revision: Revision, target: int,
                   findings: Sequence[Finding]) -> list[Finding]:
    """The findings a reply to `target` is about: those about that patch
    (alone or with others, `Finding.covers`), and the revision's own when
    `target` answers for the revision."""
    whole = _stands_for_revision(revision, target)
    return [f for f in findings if f.covers(target) or (f.patch is None and whole)]


def blocking_errors(revision: Revision, target: int,
                    open_findings: Sequence[Finding]) -> list[Finding]:
    """Error-level findings that forbid a Reviewed-by on `target`: for the
    cover letter any in the revision; for a patch those about it (alone or
    with others) and the revision's."""
    errors = [f for f in open_findings if f.severity is Severity.ERROR]
    if target == 0:
        return errors
    return [f for f in errors if f.covers(target) or f.patch is None]


def in_mail_lines(findings: Sequence[Finding], revision: Revision, target: int,
                  apply: ApplyResult | None, repo: GitRepo | Path | None) -> list[Finding]:
    """`findings` (in their order) with the tree-level ones of patch
    `target` renumbered to the mail's hunks (`quote.to_mail_lines`),
    reading the files as patch `target` left them in `repo` (the commit
    `apply` made; a path opens the repository there, for callers that keep
    none open); as they are without a tree."""
    commit = apply.commit_after(target) if apply is not None else None
    patch = next((p for p in revision.patches if p.index == target), None)
    if repo is None or commit is None or patch is None:
        return list(findings)
    git = repo if isinstance(repo, GitRepo) else GitRepo(repo)

    def post_image(path: str) -> list[str] | None:
        data = git.read_file(commit, path)
        return None if data is None else data.decode("utf-8", "replace").split("\n")[:-1]

    return to_mail_lines(findings, patch, post_image)


def _header_addresses(message: Message, name: str) -> list[Address]:
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        message.raw)
    values = [clean_header(str(v)) for v in headers.get_all(name, [])]
    return [Address(n, a) for n, a in email.utils.getaddresses(values) if "@" in a]


def _recipients(message: Message, author: Address | None,
                reviewer: Address) -> tuple[list[Address], list[Address]]:
    """To: the sender (or whom Reply-To names; the reviewer too, answering
    their own patch); Cc: everyone the mail went to and the patch's author,
    each once, without the reviewer.  Only addresses with a domain."""
    def once(addrs: Sequence[Address], seen: set[str]) -> list[Address]:
        out = []
        for addr in addrs:
            if "@" in addr.email and addr.email.lower() not in seen:
                seen.add(addr.email.lower())
                out.append(addr)
        return out

    to = once(_header_addresses(message, "Reply-To") or [message.sender], set())
    seen = {a.email.lower() for a in to} | {reviewer.email.lower()}
    return to, once([*message.to, *message.cc, *([author] if author else [])], seen)


def _header(addresses: Sequence[Address]) -> list[headerregistry.Address]:
    """Address objects, which the email package quotes and encodes right
    (a formatted string is parsed again, and a non-ASCII name holding a
    comma or a quote came out as two addresses)."""
    out = []
    for a in addresses:
        user, _at, domain = a.email.rpartition("@")
        out.append(headerregistry.Address(display_name=a.name, username=user, domain=domain))
    return out


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:50].rstrip("-") or "patch"


def _cte(body: str) -> str:
    if any(len(line.encode("utf-8")) > _MAX_LINE for line in body.split("\n")):
        return "quoted-printable"
    return "7bit" if body.isascii() else "8bit"


def draft_reply(revision: Revision, target: int, reviewer: Address,
                findings: Sequence[Finding], comments: Sequence[Comment] = (), *,
                reviewed_by: bool = False, open_findings: Sequence[Finding] | None = None,
                now: dt.datetime | None = None) -> Draft:
    """The reply to patch `target` (0: the cover letter) of `revision` with
    `findings` (those about another patch are left out, see
    `reply_findings`) and `comments` under their lines.  With `reviewed_by`,
    ends with the reviewer's Reviewed-by, unless an error-level finding of
    `open_findings` (default: `findings`) is still open: then raises
    ReplyError naming them."""
    target = reply_target(revision, target)
    if reviewed_by:
        blocking = blocking_errors(revision, target, findings if open_findings is None
                                   else open_findings)
        if blocking:
            ids = ", ".join(sorted({f.rule_id for f in blocking}))
            raise ReplyError(f"no Reviewed-by: {len(blocking)} error finding(s) open on "
                             f"{revision.label} {_where(revision, target)} ({ids})")
    patch = next((p for p in revision.patches if p.index == target), None)
    message = patch.message if patch is not None else revision.first_message
    mine = reply_findings(revision, target, findings)
    own = [c for c in comments if c.patch == target]
    who = message.sender.name or message.sender.email
    lines = [f"On {email.utils.format_datetime(message.date)}, {who} wrote:",
             *quoted_body(reply_lines(revision, target), mine, own)]
    if reviewed_by:
        lines += ["", f"Reviewed-by: {reviewer}"]
    body = "\n".join(lines).rstrip("\n") + "\n"

    to, cc = _recipients(message, patch.author if patch else None, reviewer)
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _header([reviewer])
    msg["To"] = _header(to)
    if cc:
        msg["Cc"] = _header(cc)
    subject = message.subject.full
    msg["Subject"] = subject if re.match(r"(?i)re:", subject) else f"Re: {subject}"
    msg["Date"] = email.utils.format_datetime(now or dt.datetime.now().astimezone())
    msg["Message-ID"] = email.utils.make_msgid("reviewer", reviewer.email.rpartition("@")[2])
    msg["In-Reply-To"] = f"<{message.msgid}>"
    msg["References"] = " ".join(f"<{m}>" for m in [*message.references, message.msgid])
    msg.set_content(body, charset="utf-8", cte=_cte(body))
    title = patch.title if patch is not None else message.subject.summary
    return Draft(msg.as_string(), message.msgid,
                 f"re-{revision.label}-{target}-{_slug(title)}.eml", reviewed_by)


def _where(revision: Revision, target: int) -> str:
    return "cover letter" if target == 0 else f"{target}/{revision.expected}"


def write_draft(draft: Draft, path: Path, *, force: bool = False) -> None:
    """Write the draft to `path`; an existing file is replaced only with
    `force` (atomically: the old file or the new one, never half)."""
    data = draft.as_bytes()
    try:
        if not force:
            with open(path, "xb") as fh:
                fh.write(data)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except FileExistsError:
        raise ReplyError(f"{path} exists: not overwritten (--force replaces it)") from None
    except OSError as exc:
        raise ReplyError(f"cannot write {path}: {exc.strerror or exc}") from None
