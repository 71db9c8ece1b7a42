"""Signed-off-by chain and trailer shape (Documentation/process/
submitting-patches.rst, "Sign your work")."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.model import Finding, Patch, Severity

_PERSON_TRAILERS = {"signed-off-by", "reviewed-by", "acked-by", "tested-by", "co-developed-by",
                    "reported-by", "suggested-by"}
_TRAILER_LINE = re.compile(r"^([A-Za-z][A-Za-z-]*-(?:by|By|BY))\s*:?\s*(.*)$")


def _signers(patch: Patch) -> list[str]:
    return [email.utils.parseaddr(t.value)[1].lower()
            for t in patch.trailers if t.lname == "signed-off-by"]


@rule("POL001", "missing-signoff", Severity.ERROR, Scope.PATCH)
def missing_signoff(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch whose commit message has no `Signed-off-by:` trailer at all.

    ## Why is this bad?
    The sign-off is the author's Developer Certificate of Origin: without it
    a maintainer cannot take the patch, whatever its merits.

    ## Example
    ```
    ovl: drop negative dentries

    Drop them after lookup.
    ---
    ```
    Use instead:
    ```
    ovl: drop negative dentries

    Drop them after lookup.

    Signed-off-by: Lin Author <lin.author@example.org>
    ---
    ```
    """
    for patch in ctx.revision.patches:
        if not _signers(patch):
            yield ctx.report("no Signed-off-by: trailer", patch=patch.index, key="no-signoff")


@rule("POL002", "author-signoff", Severity.ERROR, Scope.PATCH)
def author_signoff(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch whose author (the `From:` of the mail, or the in-body
    `From:` line) has not signed it off.

    ## Why is this bad?
    The first sign-off certifies the author's origin of the code; a sign-off
    by someone else only records the chain of custody.

    ## Example
    `From: Lin Author <lin@example.org>` with only
    `Signed-off-by: Sam Sender <sam@example.org>`.

    Use instead: add `Signed-off-by: Lin Author <lin@example.org>` first.
    """
    authored = [p for p in ctx.revision.patches if p.author.email]
    if ctx.revision.patches and not authored:
        raise Skipped("no author: read from a patch file without mail headers or From: line")
    for patch in authored:
        signers = _signers(patch)
        if signers and patch.author.email.lower() not in signers:
            yield ctx.report(f"author {patch.author} has no Signed-off-by",
                             patch=patch.index, key=f"author {patch.author.email.lower()}")


@rule("POL003", "submitter-signoff-last", Severity.WARNING, Scope.PATCH)
def submitter_last(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch where the person who sent the mail did sign off, but not
    last, or did not sign off although they are not the author.

    ## Why is this bad?
    Sign-offs record the chain of custody in order: whoever passes the patch
    on adds theirs at the end.  A submitter missing from the end of the
    chain breaks that record.

    ## Example
    Sent by `sam@example.org`:
    ```
    Signed-off-by: Sam Sender <sam@example.org>
    Signed-off-by: Lin Author <lin@example.org>
    ```
    Use instead: the author first, the submitter last.
    """
    for patch in ctx.mailed_patches():
        signers = _signers(patch)
        sender = patch.message.sender.email.lower()
        if signers and sender in signers and signers[-1] != sender:
            yield ctx.report(f"submitter {patch.message.sender.email} signs off, but not last",
                             patch=patch.index, key=f"not-last {sender}")
        elif signers and sender not in signers:
            yield ctx.report(f"submitter {patch.message.sender.email} has no Signed-off-by",
                             patch=patch.index, key=f"no-submitter {sender}")


@rule("POL004", "malformed-trailer", Severity.WARNING, Scope.PATCH)
def malformed_trailer(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags person trailers (`Signed-off-by`, `Reviewed-by`, `Acked-by` …)
    that lack a `Name <address>` value, have no colon or a misspelt key.

    ## Why is this bad?
    Tools (b4, git interpret-trailers, patchwork) only recognise well-formed
    trailers; a malformed one silently drops a sign-off or a review.

    ## Example
    ```
    Signed-off-by Lin Author <lin@example.org>
    Reviewed-by: lin@example
    ```
    Use instead:
    ```
    Signed-off-by: Lin Author <lin@example.org>
    Reviewed-by: Lin Author <lin@example.org>
    ```
    """
    for patch in ctx.revision.patches:
        for line in patch.commit_message.splitlines():
            m = _TRAILER_LINE.match(line.strip())
            if not m:
                continue
            key, value = m.group(1), m.group(2)
            name, addr = email.utils.parseaddr(value)
            problem = None
            if ":" not in line:
                problem = "has no colon"
            elif key.lower() not in _PERSON_TRAILERS:
                problem = f"is not a known trailer (did you mean one of {_closest(key)}?)"
            elif not name or "@" not in addr or "." not in addr.split("@")[-1]:
                problem = "needs 'Name <address>'"
            if problem:
                yield ctx.report(f"trailer {line.strip()!r} {problem}", patch=patch.index,
                                 key=f"trailer {line.strip()}")


def _closest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key.lower(), sorted(_PERSON_TRAILERS), n=1, cutoff=0.0)
    return close[0].title() if close else "Signed-off-by"
