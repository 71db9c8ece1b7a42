"""The race rules' shared driver: one C analysis per revision (memoised)
feeds every RACE rule (rules_*.py), and RACE000 says what it could not read.

Each patch's files are read from the applied tree after that patch when the
revision applied (with the lines that patch changed there), else rebuilt
from the patch's hunks; findings say which ("tree" or "diff" level).  Facts
cited as [fact N] are in the locking rules brief."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.analysis import RaceHit, SourceFile, analyze
from reviewer.checks.race.api import table_digest
from reviewer.checks.race.treefacts import FACTS_VERSION, api_for
from reviewer.checks.registry import Scope, rule
from reviewer.model import ChangedLines, Finding, Severity
from reviewer.postimage import DiffHunk, rebuild_post_image

# Bump when the shared analysis (walker, events, post-images) derives
# differently: every RACE rule's cached findings then go stale.
ANALYSIS_VERSION = 5  # 5: member-address puts, container_of, own-lock pins
# What every RACE rule's findings depend on beyond its own logic.
ENGINE = f"race analysis {ANALYSIS_VERSION}, tree facts {FACTS_VERSION}, table {table_digest()}"

_C_FILES = (".c", ".h")
_DIGITS = str.maketrans("", "", "0123456789")


def _revision_hits(ctx: CheckContext) -> list[tuple[int, RaceHit]]:
    api = api_for(ctx)
    out: list[tuple[int, RaceHit]] = []
    for patch in ctx.revision.patches:
        files: list[SourceFile] = []
        # The tree's own line numbers: hunks often land away from their headers.
        moved = ctx.applied_changes(patch.index) if ctx.applied else {}
        for change in patch.files:
            if change.new_path is None or not change.path.endswith(_C_FILES) or change.binary:
                continue
            text = ctx.post_file(change.path, after_patch=patch.index) if ctx.applied else None
            if text is not None:
                lines = moved.get(change.path, ChangedLines())
                files.append(SourceFile(change.path, text, lines.touched, "tree",
                                        removed=lines.removed))
                continue
            image = rebuild_post_image(
                [DiffHunk(h.new_start, h.lines, h.section) for h in change.hunks])
            mailed = change.line_changes()
            touched = mailed.touched
            files.append(SourceFile(change.path, image.text, touched, "hunks",
                                    frozenset(image.line_map), mailed.removed))
            out.extend((patch.index, _unread(change.path, first, last))
                       for first, last in image.unplaced
                       if any(first <= n <= last for n in touched))
        out.extend((patch.index, h) for h in analyze(files, api, ctx.config.all_lines))
    return out


def _unread(path: str, first: int, last: int) -> RaceHit:
    return RaceHit("RACE000", path, first, "", f"lines {first}-{last} were not checked for "
                   "races: the hunk could not be placed in a function (its header and "
                   "the lines around it are not in the patch)", f"{first}", "hunks")


def report(ctx: CheckContext, code: str) -> Iterator[Finding]:
    """The findings of rule `code` in the revision's one race analysis."""
    for patch, h in ctx.memo("race.analysis", lambda: _revision_hits(ctx)):
        if h.code == code:
            key = f"{h.function} {h.subject} {h.message.translate(_DIGITS)}"
            where = f"{h.function}(): " if h.function else ""
            yield ctx.report(f"{where}{h.message}", patch=patch, file=h.path,
                             line=h.line, key=key,
                             level="tree" if h.origin == "tree" else "diff")


@rule("RACE000", "race-unread-code", Severity.INFO, Scope.REVISION, depends=ENGINE)
def race_unread_code(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Says which changed lines the race checks could not read: a hunk inside a
    function whose header and surrounding lines the patch does not show, so
    it could not be rebuilt into a function (this happens only when the
    patch does not apply to a tree; with `--tree` the whole file is read),
    a function nested too deeply to be walked, and a lock whose release the
    patch removes before a `goto` or `return` when the label, or where the
    lock was taken, is not in the patch: its balance there is not judged.

    ## Why is this bad?
    Silence from the race rules on those lines means "not read", not "no
    race".  Reviewers should know which lines were not covered, and can
    give a tree the patch applies to.

    ## Example
    ```c
    @@ -120,6 +120,7 @@
                     spin_lock(&d->d_lock);
    +                d->d_flags |= DCACHE_X;
    ```
    Use instead: run with `--tree` on a tree the patch applies to, or send
    the patch with enough context (the hunk heading names the function).
    """
    yield from report(ctx, "RACE000")
