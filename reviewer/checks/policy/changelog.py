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


_SIGNOFF = re.compile(r"^\s*signed-off-by:", re.I | re.M)
_LONE_DASHES = re.compile(r"^--\s*$", re.M)


def _misplaced(commit_message: str) -> str | None:
    """Where a changelog sits that `git am` would keep in the commit: after
    a lone `--` (mistaken for `---`), or after the sign-offs.  One written
    before the sign-offs is deliberate (some subsystems keep `v2: ...`
    notes in the commit) and counts as a changelog."""
    for where, mark in (("after a lone '--'", _LONE_DASHES), ("after the sign-offs", _SIGNOFF)):
        found = mark.search(commit_message)
        if found is not None and has_changelog(commit_message[found.start():]):
            return where
    return None


@rule("POL009", "missing-changelog", Severity.WARNING, Scope.SERIES, version=3)
def missing_changelog(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a revision after the first that does not say what changed since
    the previous one, neither in the cover letter nor below the `---` line
    of its patches, and one whose changelog follows the sign-offs but
    stands above `---` (often after a lone `--`), where `git am` keeps it
    in the commit message.  A RESEND of the same version changes nothing
    and needs none.

    ## Why is this bad?
    Reviewers who read v1 must otherwise diff the versions by hand to find
    out whether their comments were addressed; submitting-patches.rst asks
    for the changelog below `---` or in the cover letter.  Above `---` it
    ends up in the kernel's history, after the sign-offs.

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
    if rev.resend and rev.version == ctx.previous.version:
        return  # a RESEND says by its name that nothing changed
    texts = [rev.cover.body] if rev.cover else []
    texts += [p.notes for p in rev.patches]
    if any(has_changelog(t) for t in texts):
        return
    misplaced = {where for p in rev.patches if (where := _misplaced(p.commit_message))}
    if misplaced:
        yield ctx.report(f"{rev.label}'s changelog is in the commit message "
                         f"({' and '.join(sorted(misplaced))}, above '---'): git am would keep "
                         "it there", key="changelog-in-commit")
    elif not any(has_changelog(p.commit_message) for p in rev.patches):
        where = "the cover letter or below '---'" if rev.cover else "below '---'"
        yield ctx.report(f"{rev.label} does not say what changed since "
                         f"{ctx.previous.label} ({where})", key="no-changelog")
