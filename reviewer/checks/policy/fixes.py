"""Commit references: `Fixes:` tags well formed, and every cited commit
(`Fixes:` and `commit <sha> ("title")` in the message) real, with its title.

checkpatch's own commit-ID checks (UNKNOWN_COMMIT_ID, GIT_COMMIT_ID) need
a git repository beside the patch; POL005 runs it in a bare temporary
directory, where they would flag every citation, so POL016 does that work
against the tree's history, and says when there is none to ask.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.checks.tags import tag_values
from reviewer.model import Finding, Patch, Severity

_WELL_FORMED = re.compile(r'^([0-9a-f]{12,40}) \("(.+)"\)$')
_SHA = re.compile(r"^([0-9a-fA-F]{7,40})\b")
# `commit 1234567890ab ("title")` in the text (not `This reverts commit`, not
# a stable backport's `commit <sha> upstream`).
_CITED = re.compile(r'(?<!reverts )\bcommit\s+([0-9a-f]{7,40})\b(?!\s+upstream)'
                    r'(?:\s*\(\s*"(.+?)"\s*\))?', re.I)


@dataclass(frozen=True)
class _Reference:
    sha: str
    title: str | None  # as quoted, None when not quoted
    tag: str  # "Fixes" or "commit"


def _references(patch: Patch) -> list[_Reference]:
    out = []
    for value in tag_values(patch, "fixes"):
        if m := _SHA.match(value):
            quoted = _WELL_FORMED.match(value)
            out.append(_Reference(m.group(1).lower(), quoted.group(2) if quoted else None,
                                  "Fixes"))
    text = "\n".join(line for line in patch.commit_message.splitlines()
                     if not line.lower().lstrip().startswith(("fixes:", "link:", "http")))
    for m in _CITED.finditer(" ".join(text.split())):
        out.append(_Reference(m.group(1).lower(), m.group(2), "commit"))
    return out


@rule("POL015", "fixes-format", Severity.WARNING, Scope.PATCH, version=2)
def fixes_format(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a `Fixes:` tag that is not `Fixes: <12+ hex digits> ("subject")`.

    ## Why is this bad?
    Stable maintainers and their scripts pick fixes by this tag; an
    abbreviated hash can become ambiguous, and without the quoted subject a
    reader cannot tell which change is meant when the hash is wrong.

    ## Example
    ```
    Fixes: 1a2b3c4 ovl: lookup fix
    ```
    Use instead:
    ```
    Fixes: 1a2b3c4d5e6f ("ovl: fix lookup of lower layers")
    ```
    """
    for patch in ctx.revision.patches:
        for value in tag_values(patch, "fixes"):
            if not _WELL_FORMED.match(value):
                yield ctx.report(f"malformed tag 'Fixes: {value}' (want 12+ hex "
                                 f'digits and ("subject"))', patch=patch.index,
                                 key=f"fixes {value}")


@rule("POL016", "cited-commit", Severity.WARNING, Scope.TREE, version=2)
def cited_commit(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    With a tree that has history: flags a commit cited by a `Fixes:` tag or
    as `commit <sha> ("title")` in the message that is not in the tree, or
    whose quoted title differs from that commit's subject.  On a tree
    without history (a single imported commit, a shallow clone) it is
    skipped, with the reason: absence proves nothing there.  checkpatch's
    own commit-ID complaints are left to this rule (see POL005).

    ## Why is this bad?
    A fix pointing at the wrong commit is backported to the wrong stable
    branches, or to none; a citation whose title does not match sends the
    reader to the wrong change.

    ## Example
    `Fixes: 0123456789ab ("ovl: old subject")` where 0123456789ab is
    "vfs: something else".

    Use instead: `git log -1 --format='%h ("%s")' --abbrev=12 <commit>`.
    """
    repo, base = ctx.repo, ctx.base
    if repo is None or base is None:
        raise Skipped("no tree")
    cited = [(patch, ref) for patch in ctx.revision.patches for ref in _references(patch)]
    if not cited:
        return
    if (why := repo.missing_history(base)) is not None:
        raise Skipped(f"{why}: {len(cited)} cited commit(s) not checked")
    for patch, ref in cited:
        sha = repo.resolve(ref.sha)
        if sha is None:
            yield ctx.report(f"{ref.tag}: {ref.sha} is not a commit in the tree (not pulled, "
                             "or a wrong hash)", patch=patch.index, key=f"unknown {ref.sha}",
                             level="tree")
            continue
        real = repo.commit_subject(sha)
        if ref.title is not None and real is not None \
                and " ".join(ref.title.split()) != " ".join(real.split()):
            yield ctx.report(f'{ref.tag}: {ref.sha} quotes "{ref.title}" but the commit is '
                             f'"{real}"', patch=patch.index, key=f"subject {ref.sha}",
                             level="tree")
