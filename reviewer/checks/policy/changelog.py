"""From v2 on, each revision says what changed since the previous one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity

# "v2:", "Changes in v3", "v1 -> v2", "Changes since v1", "changelog", "v3->v4"
_CHANGELOG = re.compile(
    r"(^\s*[-*]?\s*v\d+\s*(?:->|→|to|\.\.)\s*v\d+|^\s*v\d+\s*:|"
    r"changes?\s+(?:in|since|from|for)\s+v\d+|change\s*log|^\s*changes:|"
    r"^\s*(?:since|from)\s+v\d+\s*:)", re.I | re.M)


def has_changelog(text: str) -> bool:
    return bool(_CHANGELOG.search(text))


@rule("POL009", "missing-changelog", Severity.WARNING, Scope.SERIES)
def missing_changelog(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a revision after the first that does not say what changed since
    the previous one, neither in the cover letter nor below the `---` line
    of its patches.

    ## Why is this bad?
    Reviewers who read v1 must otherwise diff the versions by hand to find
    out whether their comments were addressed; submitting-patches.rst asks
    for the changelog below `---` or in the cover letter.

    ## Example
    ```
    Subject: [PATCH v2] ovl: drop negative dentries
    ...
    Signed-off-by: Lin Author <lin@example.org>
    ---
     fs/overlayfs/namei.c | 12 ++++++++++--
    ```
    Use instead:
    ```
    Signed-off-by: Lin Author <lin@example.org>
    ---
    v1 -> v2: take the parent's inode lock around the drop
    ```
    """
    rev = ctx.revision
    if ctx.previous is None or rev.version <= 1:
        return
    texts = [rev.cover.body] if rev.cover else []
    texts += [p.notes for p in rev.patches]
    if not any(has_changelog(t) for t in texts):
        where = "the cover letter or below '---'" if rev.cover else "below '---'"
        yield ctx.report(f"{rev.label} does not say what changed since "
                         f"{ctx.previous.label} ({where})", key="no-changelog")
