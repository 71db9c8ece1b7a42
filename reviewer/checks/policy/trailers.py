"""A trailer given on the previous revision is carried to this one when its
patch did not change."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.compare.carried import carried_trailers
from reviewer.model import CarryStatus, Finding, Severity


@rule("POL020", "trailer-not-carried", Severity.WARNING, Scope.SERIES, version=2)
def trailer_not_carried(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch that is unchanged since the previous revision (the same
    patch-id) but lacks a `Reviewed-by`, `Acked-by`, `Tested-by` (or other
    person trailer) that someone gave on it in a reply, as `b4 am` collects
    them: a trailer given on the cover letter counts for every patch.  A
    trailer given on a condition ("once that is fixed, you may add ...") is
    left out, and so is a patch that changed: dropping the trailer is then
    right.

    ## Why is this bad?
    The reviewer's work is lost from the history, the maintainer applying
    the series sees no review, and the reviewer is asked to look again at a
    patch they already approved.

    ## Example
    v1 2/3 got `Reviewed-by: Rae Viewer <rae@example.org>` in a reply; v2
    2/3 is the same diff, sent without it.

    Use instead: `b4 trailers -u` (or `b4 am` on the previous revision) to
    pick up the trailers given in replies before sending the next revision.
    """
    if ctx.previous is None:
        return
    for carried in carried_trailers(ctx.previous, ctx.revision):
        given = carried.trailer
        if carried.status is not CarryStatus.MISSING or given.condition:
            continue
        yield ctx.report(f"{given} was given on {ctx.previous.label} {carried.old_patch} "
                         f"({given.msgid}); patch {carried.new_patch} is unchanged but "
                         f"lacks it", patch=carried.new_patch,
                         key=f"{given.lname} {given.who.email.lower()}")
