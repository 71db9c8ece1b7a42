"""One patch as lines for the Patch screen: header, commit message, then the
diff with a gutter (finding mark, post-image line number) and each finding
and comment written under the line it is about.  Each line a reply can
quote knows its place in `reviewer.reply_lines` (`PatchText.quoted`), so a
comment made on it goes under the same line in the draft.  No Textual here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rich.text import Text

import reviewer
from tui.notes import LineComment
from tui.render import (
    ATTEST_MARK,
    SEVERITY_MARK,
    SEVERITY_STYLE,
    Line,
    body_lines,
    clean,
    diff_line,
    finding_text,
    inert,
    when,
)

GUTTER = 9  # mark, space, 6-digit line number, space
COMMENT_STYLE = "bold magenta"


@dataclass
class PatchText:
    lines: list[Line] = field(default_factory=list)
    # (finding, index of its annotation line), in display order
    anchors: list[tuple[reviewer.Finding, int]] = field(default_factory=list)
    # line → the reply line (index in `replies`) it shows or is under
    quoted: dict[int, int] = field(default_factory=dict)
    replies: Sequence[reviewer.QuotedLine] = ()  # reviewer.reply_lines of the patch

    def block(self, at: int) -> range:
        """The lines about reply line `at`: the line, its findings, its comments."""
        first = min((n for n, shows in self.quoted.items() if shows == at), default=None)
        if first is None:
            return range(0)
        end = first + 1
        while self.quoted.get(end) == at:
            end += 1
        return range(first, end)

    def splice(self, start: int, stop: int, lines: list[Line], at: int | None) -> None:
        """Replace lines [start, stop), none of them a finding's, with
        `lines` (about reply line `at`, if any)."""
        delta = len(lines) - (stop - start)
        self.lines[start:stop] = lines
        self.anchors = [(f, n + delta if n >= stop else n) for f, n in self.anchors]
        self.quoted = {(n + delta if n >= stop else n): shows
                       for n, shows in self.quoted.items() if not start <= n < stop}
        if at is not None:
            self.quoted.update(dict.fromkeys(range(start, start + len(lines)), at))


@dataclass(frozen=True)
class Notes:
    """The reviewer's own additions a patch is shown with."""

    marked: Callable[[reviewer.Finding], bool] | None = None  # None: no marks shown
    comments: Sequence[LineComment] = ()


def apply_summary(apply: reviewer.PatchApply | None, state: str) -> Text:
    """What happened when the patch was applied, in one line."""
    if apply is None:
        return Text(state, style="dim")
    status = apply.status
    if status is reviewer.PatchStatus.FAILED:
        reason = apply.failure.reason if apply.failure else "git apply failed"
        return inert(f"✗ does not apply: {reason}", "bold red")
    if status is reviewer.PatchStatus.NOT_TRIED:
        return Text("· not tried: an earlier patch of this revision failed", style="dim")
    short = (apply.commit or "")[:12]
    words = {"applied": "✓ applied", "applied-3way": "✓ applied with a 3-way merge",
             "already-applied": "✓ already in the base"}[status.value]
    return Text(f"{words}" + (f" as {short}" if short else ""),
                style="green" if status is reviewer.PatchStatus.APPLIED else "yellow")


def _gutter(mark: reviewer.Severity | None, number: int | None) -> Text:
    out = Text()
    if mark is None:
        out.append("  ")
    else:
        out.append(SEVERITY_MARK[mark] + " ", style=SEVERITY_STYLE[mark])
    out.append(f"{number:>6} " if number is not None else " " * 7, style="dim")
    return out


def _worst(found: Sequence[reviewer.Finding]) -> reviewer.Severity | None:
    return max((f.severity for f in found), key=lambda s: s.rank, default=None)


class _Builder:
    def __init__(self, notes: Notes) -> None:
        self.out = PatchText()
        self.marked = notes.marked
        self.comments: dict[int, list[LineComment]] = {}
        for c in notes.comments:
            self.comments.setdefault(c.at, []).append(c)
        self.at: int | None = None  # the reply line of the last line shown

    def add(self, text: Text, wrap: bool = False, tag: object = None,
            at: int | None = None) -> None:
        """Add a line; `at`: the reply line it shows (None: none)."""
        self.at = at
        if at is not None:
            self.out.quoted[len(self.out.lines)] = at
        self.out.lines.append(Line(text, wrap, tag))

    def _under(self, line: Line) -> None:
        """A line under the last one shown, about the same reply line."""
        if self.at is not None:
            self.out.quoted[len(self.out.lines)] = self.at
        self.out.lines.append(line)

    def annotate(self, found: Sequence[reviewer.Finding], note: str = "") -> None:
        for f in found:
            self.out.anchors.append((f, len(self.out.lines)))
            self._under(annotation(f, None if self.marked is None else self.marked(f), note))

    def comment(self) -> None:
        """The comments under the last line shown."""
        for c in self.comments.pop(self.at, []) if self.at is not None else []:
            self._under(comment_line(c))

    def message(self, lines: list[Line], at: Sequence[int]) -> None:
        """The commit message or cover letter, line by line as the reply
        numbers it (`at`); lines the reply cannot quote take no comment."""
        for i, line in enumerate(lines):
            self.add(line.text, line.wrap, line.tag, at[i] if i < len(at) else None)
            self.comment()


_MARK_AT = GUTTER + 2  # where an annotation's [x] starts


def annotation(f: reviewer.Finding, marked: bool | None, note: str = "") -> Line:
    """A finding written under its line; `marked`: [x] or [ ] (None: no mark)."""
    text = Text(" " * GUTTER + "╰ ")
    if marked is not None:
        text.append("[x] " if marked else "[ ] ", style="bold")
    text.append_text(finding_text(f))
    if note:
        text.append(f" ({note})", style="dim")
    return Line(text, True, ("finding", f), indent=GUTTER + 4)


def remark(line: Line, marked: bool) -> Line:
    """An annotation (with a mark) marked anew."""
    text = line.text
    mark = Text("[x] " if marked else "[ ] ", style="bold")
    return replace(line, text=text[:_MARK_AT] + mark + text[_MARK_AT + 4:])


def comment_line(c: LineComment) -> Line:
    text = Text(" " * GUTTER + "✎ ", style=COMMENT_STYLE)
    text.append_text(inert(c.comment.text, COMMENT_STYLE))
    return Line(text, True, ("comment", c), indent=GUTTER + 2)


def _place(patch: reviewer.Patch, findings: Sequence[reviewer.Finding]
           ) -> tuple[list[reviewer.Finding], dict[tuple[str, int], list[reviewer.Finding]],
                      dict[str, list[reviewer.Finding]]]:
    """Split findings into header-level, at a diff line, and at a file."""
    lines_in_diff = {(fc.path, n) for fc in patch.files for h in fc.hunks
                     for n in _post_numbers(h) if n is not None}
    paths = set(patch.paths)
    top: list[reviewer.Finding] = []
    at_line: dict[tuple[str, int], list[reviewer.Finding]] = {}
    at_file: dict[str, list[reviewer.Finding]] = {}
    for f in findings:
        if f.file and f.line and (f.file, f.line) in lines_in_diff:
            at_line.setdefault((f.file, f.line), []).append(f)
        elif f.file in paths:
            at_file.setdefault(f.file or "", []).append(f)
        else:
            top.append(f)
    return top, at_line, at_file


def _post_numbers(h: reviewer.Hunk) -> list[int | None]:
    """The post-image number of each hunk line (None for removed lines)."""
    out: list[int | None] = []
    n = h.new_start
    for line in h.lines:
        if line[:1] in (" ", "+"):
            out.append(n)
            n += 1
        else:
            out.append(None)
    return out


def signature_text(att: reviewer.Attestation | None, problem: str | None = None) -> Text:
    """e.g. `✓ patatt ed25519 a@b: valid (key: …)`, for the patch header;
    without `att`, that it is being checked or why it was not."""
    if att is None:
        return Text(f"not checked: {problem}" if problem else "being checked…", style="dim")
    mark, style = ATTEST_MARK[att.status]
    out = Text(f"{mark} ", style=style).append_text(inert(att.summary, style))
    details = "; ".join(s.detail for s in att.signatures if s.detail)
    return out.append_text(inert(f" ({details})", "dim")) if details else out


def _message_lines(texts: Sequence[str]) -> list[Line]:
    """The reply's lines of a commit message or cover letter as the reader
    styles them, one for one (plainly when a line holds a character that
    `str.splitlines` would split it at)."""
    if all(len(t.splitlines()) <= 1 for t in texts):
        return body_lines("\n".join(texts))
    return [Line(inert(t)) for t in texts]


def patch_text(rev: reviewer.Revision, patch: reviewer.Patch,
               findings: Sequence[reviewer.Finding], apply: reviewer.PatchApply | None,
               apply_state: str, notes: Notes | None = None,
               signature: Text | None = None) -> PatchText:
    """`signature`: what the mail's signatures attest (`signature_text`)."""
    b = _Builder(notes or Notes())
    top, at_line, at_file = _place(patch, findings)
    quoted = b.out.replies = reviewer.reply_lines(rev, patch.index)
    b.add(inert(f"Author: {patch.author}   Date: {when(patch.message.date)}",
                "dim"), wrap=True)
    b.add(Text("Apply:  ").append_text(apply_summary(apply, apply_state)), wrap=True)
    if signature is not None:
        b.add(Text("Signed: ").append_text(signature), wrap=True)
    b.annotate(top)
    b.add(Text(""))
    message = [i for i, q in enumerate(quoted) if q.file is None]
    b.message(_message_lines([quoted[i].text for i in message]), message)
    if patch.notes.strip():
        b.add(Text("---", style="dim"))
        for note in patch.notes.splitlines():
            b.add(inert(note, "dim"), wrap=True)
    b.add(Text(""))
    failure = apply.failure if apply and apply.failure else None
    places = _Places(quoted)
    for fc in patch.files:
        _file_lines(b, fc, at_line, at_file.get(fc.path, []), failure, places)
    if not patch.files:
        b.add(Text("(this mail holds no diff)", style="dim italic"))
    return b.out


def cover_text(rev: reviewer.Revision, findings: Sequence[reviewer.Finding],
               notes: Notes | None = None) -> PatchText:
    """The cover letter, with the findings about the revision as a whole."""
    b = _Builder(notes or Notes())
    cover = rev.cover
    if cover is not None:
        b.add(inert(f"From: {cover.sender}   Date: {when(cover.date)}", "dim"),
              wrap=True)
    b.add(Text(f"Findings about {rev.label} as a whole:", style="bold"))
    b.annotate(findings)
    if not findings:
        b.add(Text(" " * GUTTER + "none", style="dim"))
    b.add(Text(""))
    if cover is not None:
        quoted = b.out.replies = reviewer.reply_lines(rev, 0)
        b.message(_message_lines([q.text for q in quoted]), range(len(quoted)))
    return b.out


class _Places:
    """Where each file's header and each hunk's lines are among the reply
    lines; hunks are numbered through the patch as `reply_lines` does."""

    def __init__(self, quoted: Sequence[reviewer.QuotedLine]) -> None:
        self.heads: dict[str, int] = {}
        self.hunks: dict[int, list[int]] = {}
        for i, q in enumerate(quoted):
            if q.file is not None and q.hunk == 0:
                self.heads.setdefault(q.file, i)
            elif q.hunk:
                self.hunks.setdefault(q.hunk, []).append(i)
        self.count = 0

    def next_hunk(self, hunk: reviewer.Hunk) -> list[int | None]:
        """The reply lines of the next hunk: its header, then each line."""
        self.count += 1
        found = self.hunks.get(self.count, [])
        if len(found) != 1 + len(hunk.lines):  # not as reply_lines split it: no comments
            return [None] * (1 + len(hunk.lines))
        return list(found)


def _file_lines(b: _Builder, fc: reviewer.FileChange,
                at_line: dict[tuple[str, int], list[reviewer.Finding]],
                file_findings: list[reviewer.Finding], failure: reviewer.ApplyFailure | None,
                places: _Places) -> None:
    old = f"a/{fc.old_path}" if fc.old_path else "/dev/null"
    new = f"b/{fc.new_path}" if fc.new_path else "/dev/null"
    head = places.heads.get(fc.path)
    line = _gutter(_worst(file_findings), None)
    line.append_text(inert(f"diff --git a/{fc.path} b/{fc.path}", "bold"))
    b.add(line, tag=("file", fc.path), at=head)
    b.annotate(file_findings, "no line in this diff")
    for header in (f"--- {old}", f"+++ {new}"):
        b.add(_gutter(None, None).append_text(inert(header, "bold")), at=head)
    if fc.binary:
        b.add(_gutter(None, None).append("Binary file changed", style="dim"), at=head)
    b.comment()
    for number, hunk in enumerate(fc.hunks, 1):
        at = places.next_hunk(hunk)
        header = (f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@"
                  + (f" {hunk.section}" if hunk.section else ""))
        b.add(_gutter(None, None).append_text(inert(header, "cyan")),
              tag=("hunk", fc.path, number), at=at[0])
        if failure and failure.file == fc.path and failure.hunk == number:
            b.add(Text(" " * GUTTER + "╰ ").append_text(
                inert(f"✗ this hunk does not apply: {failure.reason}", "bold red")), wrap=True,
                at=at[0])
        b.comment()
        for text, n, where in zip(hunk.lines, _post_numbers(hunk), at[1:], strict=True):
            here = at_line.get((fc.path, n), []) if n is not None else []
            row = _gutter(_worst(here), n)
            row.append_text(diff_line(clean(text)))
            b.add(row, tag=("line", fc.path, n), at=where)
            b.annotate(here)
            b.comment()
