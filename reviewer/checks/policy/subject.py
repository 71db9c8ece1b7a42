"""The shape of the subject line: `[PATCH vN k/n] prefix: summary`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Message, Severity

_PREFIX = re.compile(r"^[\w./-]+(?:[ ,][\w./-]+)*:\s+\S")
MAX_SUMMARY = 75


def _mails(ctx: CheckContext) -> list[tuple[int, Message]]:
    """The cover and the patch mails (not patch files: no subject line)."""
    rev = ctx.revision
    return ([(0, rev.cover)] if rev.cover else []) + [(p.index, p.message)
                                                      for p in ctx.mailed_patches()]


@rule("POL006", "subject-format", Severity.WARNING, Scope.MESSAGE)
def subject_format(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch subject that does not read `[PATCH vN k/n] prefix: summary`:
    no `PATCH` tag, no `k/n` counter in a multi-patch revision, no
    `subsystem:` prefix, or a summary longer than 75 columns.

    ## Why is this bad?
    Maintainers filter and sort mail by these tags, b4 and patchwork rely on
    them to rebuild series, and the summary becomes the commit's one-line
    title in `git log --oneline`.

    ## Example
    ```
    Subject: drop negative dentries when looking up in overlay layers to save memory
    ```
    Use instead:
    ```
    Subject: [PATCH v2 1/3] ovl: drop negative dentries after lookup
    ```
    """
    multi = ctx.revision.expected > 1
    for index, msg in _mails(ctx):
        s = msg.subject
        problems = []
        if not s.is_patch:
            problems.append("no PATCH tag")
        if multi and not s.counters_given:
            problems.append("no k/n counter in a multi-patch revision")
        if index and not _PREFIX.match(s.summary):
            problems.append("no 'subsystem: ' prefix")
        if index and len(s.summary) > MAX_SUMMARY:
            problems.append(f"summary is {len(s.summary)} columns (keep it under {MAX_SUMMARY})")
        for problem in problems:
            yield ctx.report(f"subject {s.full!r}: {problem}", patch=index or None,
                             key=f"{index} {problem.split(' (')[0].split(' is ')[0]}")


def _own_mails(ctx: CheckContext) -> list[tuple[int, Message]]:
    """The revision's mails less the patches a partial respin carries over
    from the revision it follows."""
    earlier = {p.msgid for r in ctx.series.revisions if r.order < ctx.revision.order
               for p in r.patches}
    return [(k, m) for k, m in _mails(ctx) if m.msgid not in earlier]


@rule("POL007", "subject-version", Severity.ERROR, Scope.REVISION, version=3)
def subject_version(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a mail whose subject version (`v3`) differs from its revision's
    (the cover letter's), and, as warnings, a patch without a version
    among patches that give one and a later revision no subject numbers
    (a third posting sent as plain `[PATCH]`).  Patches that all leave the version to
    the cover letter are fine (stgit sends them so, b4 reads them so), and
    so is a partial respin's `[PATCH v2 3/7]`, which numbers the patch.

    ## Why is this bad?
    Reviewers and tools match replies, trailers and range-diffs by version;
    a `v2` patch inside a `v3` posting gets reviewed against the wrong code.

    ## Example
    ```
    [PATCH v3 0/2] ovl: ...
    [PATCH v2 1/2] ovl: ...
    ```
    Use instead: the same `v3` on the cover and on every patch.
    """
    rev = ctx.revision
    if rev.partial:
        return
    mails = _own_mails(ctx)
    if rev.version > 1 and not any(m.subject.version_given for _k, m in mails):
        yield ctx.report(f"no subject gives a version, but this is {rev.label} (by its notes "
                         "or its place in the series): `[PATCH v"
                         f"{rev.version}]` tells reviewers and tools", key="no version",
                         severity=Severity.WARNING)
        return
    versioned_patch = any(k and m.subject.version_given for k, m in mails)
    for index, msg in mails:
        s = msg.subject
        if s.version_given and s.version != rev.version:
            yield ctx.report(f"subject says v{s.version} but the mail belongs to {rev.label}",
                             patch=index or None, key=f"{index} v{s.version}")
        elif not s.version_given and rev.version > 1 and index and versioned_patch:
            yield ctx.report(f"subject has no version but the other patches of {rev.label} "
                             f"say v{rev.version}", patch=index or None,
                             key=f"{index} unversioned", severity=Severity.WARNING)
