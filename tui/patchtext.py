"""One patch as lines for the Patch screen: header, commit message, then the
diff with a gutter (finding mark, post-image line number) and each finding
written under the line it is about.  No Textual here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text

import reviewer
from tui.render import (
    SEVERITY_MARK,
    SEVERITY_STYLE,
    Line,
    body_lines,
    clean,
    diff_line,
    finding_text,
    inert,
)

GUTTER = 9  # mark, space, 6-digit line number, space


@dataclass
class PatchText:
    lines: list[Line] = field(default_factory=list)
    # (finding, index of its annotation line), in display order
    anchors: list[tuple[reviewer.Finding, int]] = field(default_factory=list)


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
    def __init__(self) -> None:
        self.out = PatchText()

    def add(self, text: Text, wrap: bool = False, tag: object = None) -> None:
        self.out.lines.append(Line(text, wrap, tag))

    def annotate(self, found: Sequence[reviewer.Finding], note: str = "") -> None:
        for f in found:
            text = Text(" " * GUTTER + "╰ ")
            text.append_text(finding_text(f))
            if note:
                text.append(f" ({note})", style="dim")
            self.out.anchors.append((f, len(self.out.lines)))
            self.out.lines.append(Line(text, True, ("finding", f), indent=GUTTER + 4))


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


def patch_text(rev: reviewer.Revision, patch: reviewer.Patch,
               findings: Sequence[reviewer.Finding], apply: reviewer.PatchApply | None,
               apply_state: str) -> PatchText:
    b = _Builder()
    top, at_line, at_file = _place(patch, findings)
    b.add(inert(f"Author: {patch.author}   Date: {patch.message.date:%Y-%m-%d %H:%M %z}",
                "dim"), wrap=True)
    b.add(Text("Apply:  ").append_text(apply_summary(apply, apply_state)), wrap=True)
    b.annotate(top)
    b.add(Text(""))
    b.out.lines.extend(body_lines(patch.commit_message))
    if patch.notes.strip():
        b.add(Text("---", style="dim"))
        for note in patch.notes.splitlines():
            b.add(inert(note, "dim"), wrap=True)
    b.add(Text(""))
    failure = apply.failure if apply and apply.failure else None
    for fc in patch.files:
        _file_lines(b, fc, at_line, at_file.get(fc.path, []), failure)
    if not patch.files:
        b.add(Text("(this mail holds no diff)", style="dim italic"))
    return b.out


def cover_text(rev: reviewer.Revision, findings: Sequence[reviewer.Finding]) -> PatchText:
    """The cover letter, with the findings about the revision as a whole."""
    b = _Builder()
    cover = rev.cover
    if cover is not None:
        b.add(inert(f"From: {cover.sender}   Date: {cover.date:%Y-%m-%d %H:%M %z}", "dim"),
              wrap=True)
    b.add(Text(f"Findings about {rev.label} as a whole:", style="bold"))
    b.annotate(findings)
    if not findings:
        b.add(Text(" " * GUTTER + "none", style="dim"))
    b.add(Text(""))
    if cover is not None:
        b.out.lines.extend(body_lines(cover.body))
    return b.out


def _file_lines(b: _Builder, fc: reviewer.FileChange,
                at_line: dict[tuple[str, int], list[reviewer.Finding]],
                file_findings: list[reviewer.Finding], failure: reviewer.ApplyFailure | None
                ) -> None:
    old = f"a/{fc.old_path}" if fc.old_path else "/dev/null"
    new = f"b/{fc.new_path}" if fc.new_path else "/dev/null"
    head = _gutter(_worst(file_findings), None)
    head.append_text(inert(f"diff --git a/{fc.path} b/{fc.path}", "bold"))
    b.add(head, tag=("file", fc.path))
    b.annotate(file_findings, "no line in this diff")
    for header in (f"--- {old}", f"+++ {new}"):
        b.add(_gutter(None, None).append_text(inert(header, "bold")))
    if fc.binary:
        b.add(_gutter(None, None).append("Binary file changed", style="dim"))
    for number, hunk in enumerate(fc.hunks, 1):
        header = (f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@"
                  + (f" {hunk.section}" if hunk.section else ""))
        b.add(_gutter(None, None).append_text(inert(header, "cyan")),
              tag=("hunk", fc.path, number))
        if failure and failure.file == fc.path and failure.hunk == number:
            b.add(Text(" " * GUTTER + "╰ ").append_text(
                inert(f"✗ this hunk does not apply: {failure.reason}", "bold red")), wrap=True)
        for line, n in zip(hunk.lines, _post_numbers(hunk), strict=True):
            here = at_line.get((fc.path, n), []) if n is not None else []
            text = _gutter(_worst(here), n)
            text.append_text(diff_line(clean(line)))
            b.add(text, tag=("line", fc.path, n))
            b.annotate(here)
