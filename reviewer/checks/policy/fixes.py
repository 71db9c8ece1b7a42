"""Commit references: `Fixes:` tags well formed, every cited commit
(`Fixes:` and `commit <sha> ("title")` in the message) real, with its title,
and a `Fixes:` tag present when a reviewer asked for one.

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
from reviewer.compare.replies import authors, is_bot, same_person
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


# A reviewer's own words asking for the tag: "Any Fixes tag?", "please add
# a Fixes: tag", or a `Fixes: <sha>` line they suggest.
_ASKS_FIXES = re.compile(r"\bfixes:?\s+tag|^\s*Fixes:\s*[0-9a-f]{8,40}\b", re.I | re.M)
_NOT_NEEDED = re.compile(r"\b(?:no|not|without|neither|nor|needn't|don't|doesn't)\b|n't\b",
                         re.I)


def _asks_for_fixes(body: str) -> bool:
    """The sentence of the writer's own (unquoted) lines that asks for a
    `Fixes:` tag; "no Fixes tag needed" asks for none."""
    own = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(">"))
    for m in _ASKS_FIXES.finditer(own):
        start = max(own.rfind(".", 0, m.start()), own.rfind("\n\n", 0, m.start())) + 1
        end = min((i for i in (own.find(".", m.end()), own.find("\n\n", m.end())) if i >= 0),
                  default=len(own))
        if not _NOT_NEEDED.search(own[start:end]):
            return True
    return False


@rule("POL021", "fixes-requested", Severity.WARNING, Scope.SERIES)
def fixes_requested(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a revision with no `Fixes:` tag on any patch when a reviewer
    asked for one on an earlier revision: a reply (not by the patch's
    author, not a bot) whose own, unquoted words ask for a "Fixes tag" or
    suggest a `Fixes: <sha>` line.  Quoted text and "no Fixes tag needed"
    do not count.

    ## Why is this bad?
    A fix without `Fixes:` is not picked for the stable kernels that carry
    the bug, and the reviewer who asked has to ask again.

    ## Example
    v1 got "Any Fixes tag for this?" in a review; v2 has only
    `Signed-off-by:`.

    Use instead: `Fixes: 1a2b3c4d5e6f ("ovl: the commit that broke it")`, or
    a reply saying why no commit can be named.
    """
    rev = ctx.revision
    if ctx.previous is None or any(tag_values(p, "fixes") for p in rev.patches):
        return
    for earlier in ctx.series.revisions:
        if earlier.order >= rev.order:
            continue
        writers = authors(earlier)
        for reply in earlier.replies:
            msg = reply.message
            if is_bot(msg) or any(same_person(msg.sender, a) for a in writers):
                continue
            if _asks_for_fixes(msg.body):
                yield ctx.report(f"no Fixes: tag, though {msg.sender.name or msg.sender.email} "
                                 f"asked for one on {earlier.label} ({msg.msgid})",
                                 key="fixes requested")
                return
