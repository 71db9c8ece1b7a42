"""A review reply from the patch screen, through the core's reply API as
`reviewer reply` writes it: the marked findings and the comments under
their lines, to the draft's own file name in the current directory.
`prepare` and `write` run in a worker thread (they read the tree and git
config, and write the file).  No Textual here."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import reviewer


@dataclass(frozen=True)
class DraftRequest:
    """What the patch screen knows when `w` is pressed."""

    revision: reviewer.Revision
    target: int  # the patch answered; 0: the cover letter
    findings: tuple[reviewer.Finding, ...]  # all of the revision's: those open
    chosen: frozenset[reviewer.Finding]  # the marked ones
    comments: tuple[reviewer.Comment, ...]
    apply: reviewer.ApplyResult | None
    tree: str | None
    directory: Path


@dataclass(frozen=True)
class Prepared:
    draft: reviewer.Draft
    path: Path
    findings: int  # how many findings it quotes
    comments: int

    def summary(self) -> str:
        return (f"reply to <{self.draft.answers}> with {self.findings} finding(s) and "
                f"{self.comments} comment(s)")


def prepare(request: DraftRequest) -> Prepared:
    """The draft.  Tree-level findings are renumbered to the mail's lines
    first (reviewer.in_mail_lines), in order, so marks follow them."""
    rev, target = request.revision, request.target
    tree = Path(request.tree) if request.tree else None
    mailed = reviewer.in_mail_lines(request.findings, rev, target, request.apply, tree)
    chosen = [m for f, m in zip(request.findings, mailed, strict=True) if f in request.chosen]
    me = reviewer.reviewer_identity(tree)
    draft = reviewer.draft_reply(rev, target, me, chosen, request.comments,
                                 open_findings=mailed)
    return Prepared(draft, request.directory / draft.filename,
                    len(reviewer.reply_findings(rev, target, chosen)),
                    sum(c.patch == target for c in request.comments))


def write(prepared: Prepared, replace: bool) -> None:
    """Write it; an existing file only with `replace` (ReplyError otherwise)."""
    reviewer.write_draft(prepared.draft, prepared.path, force=replace)


def editor_command(path: Path, environ: Mapping[str, str] = os.environ) -> list[str] | None:
    """$EDITOR split into words as a shell would (shlex; no shell runs it),
    then the path; None when it is not set.  Raises ValueError for
    unbalanced quotes."""
    editor = environ.get("EDITOR", "").strip()
    return [*shlex.split(editor), str(path)] if editor else None


def run_editor(argv: list[str]) -> int:
    """Run the editor on the terminal (the app is suspended); its exit code."""
    return subprocess.run(argv, check=False).returncode
