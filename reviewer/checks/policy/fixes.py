"""`Fixes:` tags: well formed, and naming a commit that exists."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity

_WELL_FORMED = re.compile(r'^([0-9a-f]{12,40}) \("(.+)"\)$')
_SHA = re.compile(r"^([0-9a-fA-F]{7,40})\b")


@rule("POL015", "fixes-format", Severity.WARNING, Scope.PATCH)
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
        for t in patch.trailers:
            if t.lname == "fixes" and not _WELL_FORMED.match(t.value.strip()):
                yield ctx.report(f"malformed tag 'Fixes: {t.value.strip()}' (want 12+ hex "
                                 f'digits and ("subject"))', patch=patch.index,
                                 key=f"fixes {t.value.strip()}")


@rule("POL016", "fixes-unknown-commit", Severity.ERROR, Scope.TREE)
def fixes_commit(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    With a tree: flags a `Fixes:` tag whose commit is not in the tree, or
    whose quoted subject differs from that commit's subject.

    ## Why is this bad?
    A fix pointing at the wrong commit is backported to the wrong stable
    branches, or to none.

    ## Example
    `Fixes: 0123456789ab ("ovl: old subject")` where 0123456789ab is
    "vfs: something else".

    Use instead: `git log -1 --format='%h ("%s")' --abbrev=12 <commit>`.
    """
    repo, base = ctx.repo, ctx.base
    if repo is None or base is None:
        from reviewer.checks.registry import Skipped

        raise Skipped("no tree")
    for patch in ctx.revision.patches:
        for t in patch.trailers:
            if t.lname != "fixes" or not (m := _SHA.match(t.value.strip())):
                continue
            sha = repo.resolve(m.group(1))
            if sha is None:
                yield ctx.report(f"Fixes: {m.group(1)} is not a commit in the tree",
                                 patch=patch.index, key=f"unknown {m.group(1)}", level="tree")
                continue
            real = repo.subject(sha)
            quoted = _WELL_FORMED.match(t.value.strip())
            if quoted and quoted.group(2) != real:
                yield ctx.report(f'Fixes: {m.group(1)} quotes "{quoted.group(2)}" but the '
                                 f'commit is "{real}"', patch=patch.index,
                                 key=f"subject {m.group(1)}", level="tree")
