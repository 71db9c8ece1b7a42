"""The series is complete and numbered: every k/n present once, a cover
letter when n > 1."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity


@rule("POL010", "patch-numbering", Severity.ERROR, Scope.REVISION)
def patch_numbering(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a revision with a missing `k/n` (2/5 never arrived), a number sent
    twice, or more patches than the `n` announced.

    ## Why is this bad?
    A half-received series cannot be applied or reviewed as a whole, and a
    duplicate leaves the reviewer guessing which copy is meant.

    ## Example
    `[PATCH 1/3]`, `[PATCH 3/3]` and no `2/3`.

    Use instead: resend the whole series, every patch numbered once.
    """
    rev = ctx.revision
    for k in rev.missing:
        yield ctx.report(f"patch {k}/{rev.expected} is missing", key=f"missing {k}")
    for k in rev.duplicates:
        yield ctx.report(f"patch {k}/{rev.expected} was sent more than once (first copy used)",
                         patch=k, key=f"duplicate {k}")
    announced = max((p.message.subject.total for p in rev.patches), default=0)
    if rev.cover is not None:
        announced = max(announced, rev.cover.subject.total)
    extra = [p.index for p in rev.patches if p.message.subject.counter > p.message.subject.total]
    for k in extra:
        yield ctx.report(f"patch {k} is beyond the announced n", patch=k, key=f"extra {k}")


@rule("POL011", "missing-cover-letter", Severity.WARNING, Scope.REVISION, version=2)
def missing_cover(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a revision of more than one patch that has no cover letter (0/n)
    (a partial respin, one patch re-sent in reply to its revision, needs none).

    ## Why is this bad?
    The cover letter is where the series explains its purpose, how the
    patches fit together and what changed between versions; replies about
    the series as a whole need somewhere to go.

    ## Example
    `[PATCH 1/2]` and `[PATCH 2/2]` with no `[PATCH 0/2]`.

    Use instead: `git format-patch --cover-letter` and fill it in.
    """
    rev = ctx.revision
    if rev.expected > 1 and rev.cover is None and not rev.partial:
        yield ctx.report(f"{rev.label} has {rev.expected} patches but no cover letter",
                         key="no-cover")
