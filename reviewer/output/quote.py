"""A patch (or cover letter) as the lines a review reply quotes, and the
reply's body: quoted `> ` lines trimmed to what the review is about, each
finding or comment under the line it is about.

Lines are addressed as a reviewer sees them: a file and a line number on
the new side (context and added lines) or the old side (removed lines);
no file means the commit message (or the cover letter).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reviewer.checks.registry import get_rule
from reviewer.errors import ReviewerError
from reviewer.model import Finding, Hunk, LineSide, Patch, Revision

__all__ = ["Comment", "QuotedLine", "finding_text", "quoted_body", "reply_lines",
           "to_mail_lines"]

_WIDTH = 72
_GIT_HEADER = re.compile(r"^diff --git ", re.M)


@dataclass(frozen=True)
class QuotedLine:
    """One line of the patch or cover as the reply quotes it."""

    text: str  # as in the mail: diff lines keep their ' ', '+', '-' marker
    file: str | None  # None: the commit message or cover letter
    new: int | None  # post-image line (message: its line number, 1-based)
    old: int | None  # pre-image line
    hunk: int  # 0: the message or a file header; else the hunk's number in the patch


@dataclass(frozen=True)
class Comment:
    """Free-form text the reviewer writes under a line of the patch."""

    patch: int  # 1-based patch index; 0 for the cover letter
    text: str
    file: str | None = None  # None: the commit message (or cover letter)
    line: int | None = None  # None: the file (or message) as a whole
    side: LineSide = LineSide.NEW

    @classmethod
    def under(cls, patch: int, line: QuotedLine, text: str) -> Comment:
        """A comment under a line that `reply_lines` gave."""
        if line.new is not None:
            return cls(patch, text, line.file, line.new, LineSide.NEW)
        if line.old is not None:
            return cls(patch, text, line.file, line.old, LineSide.OLD)
        if line.hunk and line.text.startswith("@@"):
            return cls(patch, text, line.file, line.hunk, LineSide.HUNK)
        return cls(patch, text, line.file)  # a file's header: about the file


def _file_sections(diff: str, count: int) -> list[tuple[list[str], list[str]]]:
    """Each file's header lines (`diff --git` … `+++`) and hunk headers
    (`@@ … @@ section`) as the mail has them; [] when the files are not
    `diff --git` sections one to one."""
    starts = [m.start() for m in _GIT_HEADER.finditer(diff)]
    if len(starts) != count:
        return []
    out = []
    for start, end in zip(starts, [*starts[1:], len(diff)], strict=True):
        lines = diff[start:end].rstrip("\n").split("\n")
        first = next((i for i, t in enumerate(lines) if t.startswith("@@")), len(lines))
        head = lines[:first]
        if "GIT binary patch" in head:  # not the encoded data
            head = head[:head.index("GIT binary patch") + 1]
        out.append((head, [t for t in lines[first:] if t.startswith("@@ ")]))
    return out


def _hunk_header(h: Hunk) -> str:
    return f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@" + (
        f" {h.section}" if h.section else "")


def _side_path(prefix: str, path: str | None) -> str:
    return prefix + path if path else "/dev/null"


def _patch_lines(patch: Patch) -> list[QuotedLine]:
    out = [QuotedLine(t, None, n, None, 0)
           for n, t in enumerate(patch.commit_message.split("\n"), 1)]
    sections = _file_sections(patch.diff, len(patch.files))
    hunk_no = 0
    for i, change in enumerate(patch.files):
        head, raw_hunks = sections[i] if sections else ([
            f"--- {_side_path('a/', change.old_path)}",
            f"+++ {_side_path('b/', change.new_path)}"], [])
        if len(raw_hunks) != len(change.hunks):
            raw_hunks = [_hunk_header(h) for h in change.hunks]
        out += [QuotedLine(t, change.path, None, None, 0) for t in head]
        for h, header in zip(change.hunks, raw_hunks, strict=True):
            hunk_no += 1
            out.append(QuotedLine(header, change.path, None, None, hunk_no))
            new, old = h.new_start, h.old_start
            for t in h.lines:
                tag = t[:1]
                out.append(QuotedLine(t, change.path, new if tag in " +" else None,
                                      old if tag in " -" else None, hunk_no))
                new += tag in " +"
                old += tag in " -"
    return out


def reply_lines(revision: Revision, target: int) -> tuple[QuotedLine, ...]:
    """Every line of patch `target` (0: the cover letter) a comment can go
    under, in order: the message, then each file's header and hunks."""
    if target == 0:
        if revision.cover is None:
            raise ValueError(f"{revision.label} has no cover letter")
        body = revision.cover.body.rstrip("\n").split("\n")
        return tuple(QuotedLine(t, None, n, None, 0) for n, t in enumerate(body, 1))
    patch = next((p for p in revision.patches if p.index == target), None)
    if patch is None:
        raise ValueError(f"{revision.label} has no patch {target}")
    return tuple(_patch_lines(patch))


def to_mail_lines(findings: Sequence[Finding], patch: Patch,
                  post_image: Callable[[str], list[str] | None]) -> list[Finding]:
    """Tree-level findings count lines in the applied file, which differ
    from the mail's hunks when the patch applied at an offset.  Each hunk is
    found in the applied file (`post_image(path)`, its lines) by its
    post-image text, and a finding inside it gets the mail's line number; one
    outside every hunk keeps its line (it is then quoted as about the file)."""
    out = []
    for f in findings:
        change = next((c for c in patch.files if c.path == f.file), None)
        if change is not None and f.level == "tree" and f.line is not None:
            text = post_image(change.path)
            for h in change.hunks if text is not None else ():
                post = h.post_image().split("\n")[:-1]
                offset = _offset(text or [], post, h.new_start - 1)
                start = h.new_start + (offset or 0)
                if offset is not None and start <= f.line < start + len(post):
                    f = replace(f, line=f.line - offset)
                    break
        out.append(f)
    return out


def _offset(text: list[str], post: list[str], start: int) -> int | None:
    """The shift nearest 0 at which `post` appears in `text` (as git apply finds a hunk)."""
    if not post:
        return None
    for d in sorted(range(-start, len(text) - start - len(post) + 1), key=abs):
        if text[start + d:start + d + len(post)] == post:
            return d
    return None


# -- the body ------------------------------------------------------------
def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH, break_long_words=False, break_on_hyphens=False) or [""]


def finding_text(f: Finding, at_line: bool) -> list[str]:
    """A finding as a reviewer writes it: rule, severity, message, why.
    `at_line`: it is quoted under its line, which then goes without saying."""
    where = f"line {f.line}: " if f.line and not at_line else ""
    lines = _wrap(f"{f.rule_id} ({f.severity.value}): {where}{f.message}")
    try:
        why = get_rule(f.rule_id).why
    except ReviewerError:  # a rule this version does not have
        why = ""
    if why:
        lines += _wrap(f"Why: {why}")
    if f.approximate:
        lines += _wrap("(read from a tree the patch applied to only with reduced context)")
    return lines


def _is_at(q: QuotedLine, file: str | None, line: int, side: LineSide) -> bool:
    if q.file != file or q.hunk == 0 and file is not None:
        return False
    if file is None:  # the message: its lines count on their own
        return line == q.new
    if side is LineSide.HUNK:
        return line == q.hunk and q.text.startswith("@@")
    return line == (q.old if side is LineSide.OLD else q.new)


def _anchor(lines: Sequence[QuotedLine], file: str | None, line: int | None,
            side: LineSide) -> tuple[int | None, bool]:
    """(index of the quoted line to go under, whether it is the very line):
    the line itself, else the file's header, else None (the general part)."""
    if line is not None:
        at = next((i for i, q in enumerate(lines) if _is_at(q, file, line, side)), None)
        if at is not None:
            return at, True
    if file is not None:
        heads = [i for i, q in enumerate(lines) if q.file == file and q.hunk == 0]
        if heads:
            return heads[-1], False
    return None, False


def _message_end(lines: Sequence[QuotedLine], upto: int) -> int:
    """The end of the paragraph holding line `upto` of the message."""
    end = upto
    while end + 1 < len(lines) and lines[end + 1].file is None and lines[end + 1].text.strip():
        end += 1
    return end


def _quote(text: str) -> str:
    return f"> {text}" if text else ">"


def quoted_body(lines: Sequence[QuotedLine], findings: Sequence[Finding],
                comments: Sequence[Comment]) -> list[str]:
    """The reply's quoted part: the message up to the paragraphs something
    is about (its first one at least), each file's header and the hunks
    that carry a finding or comment, with them under their lines; what is
    about no line in particular follows the quoted message."""
    under: dict[int, list[list[str]]] = {}
    general: list[list[str]] = []
    wanted: list[tuple[str | None, int | None, LineSide, Finding | Comment]] = [
        (f.file, f.line, LineSide.NEW, f) for f in findings]
    wanted += [(c.file, c.line, c.side, c) for c in comments]
    for file, line, side, what in wanted:
        at, exact = _anchor(lines, file, line, side)
        text = (finding_text(what, exact) if isinstance(what, Finding)
                else what.text.rstrip("\n").split("\n"))
        (general if at is None else under.setdefault(at, [])).append(text)
    message = [i for i, q in enumerate(lines) if q.file is None]  # never empty
    first = next((i for i in message if lines[i].text.strip()), message[0])
    end = _message_end(lines, max([first, *(i for i in under if lines[i].file is None)]))
    keep = set(range(message[0], end + 1))
    for i in under:
        if lines[i].file is not None:
            keep.update(j for j, q in enumerate(lines)
                        if q.file == lines[i].file and q.hunk in (0, lines[i].hunk))
    elided = any(lines[i].text.strip() for i in message if i > end)
    out: list[str] = []
    for i, q in enumerate(lines):
        if i not in keep:
            continue
        out.append(_quote(q.text))
        out += _comments(under.get(i, []))
        if i == end:
            out += ["[...]"] * elided
            out += _comments(general)
    return out


def _comments(texts: list[list[str]]) -> list[str]:
    """Unquoted texts set off by blank lines, one between each two."""
    out = [""] if texts else []
    for text in texts:
        out += [*text, ""]
    return out
