"""Recipients vs MAINTAINERS (Documentation/process/submitting-patches.rst,
"Select the recipients for your patch")."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.maintainers import Entry, entries_for, parse_maintainers, run_get_maintainer
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.model import Finding, Revision, Severity


def _addressed(rev: Revision) -> set[str]:
    """Everyone a mail of the revision went to, or came from."""
    mails = ([rev.cover] if rev.cover else []) + [p.message for p in rev.patches]
    return {a.email.lower() for m in mails for a in (*m.to, *m.cc, m.sender)}


def _role(addr: str, entries: list[Entry]) -> str:
    for entry in entries:
        if addr in (x.lower() for x in entry.lists):
            return "list"
    for entry in entries:
        if addr in (a.email.lower() for a in entry.maintainers):
            return "maintainer"
    for entry in entries:
        if addr in (a.email.lower() for a in entry.reviewers):
            return "reviewer"
    return "recipient"


def _display(addr: str, entries: list[Entry]) -> str:
    for entry in entries:
        for person in entry.maintainers + entry.reviewers:
            if person.email.lower() == addr:
                return str(person)
    return addr


@rule("POL013", "missing-cc", Severity.WARNING, Scope.REVISION)
def missing_cc(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags the mailing lists and maintainers responsible for the files a
    revision touches that none of its mails went to.  "Responsible" is what
    the base tree's own `scripts/get_maintainer.pl` prints when it can run,
    else our reading of the base's `MAINTAINERS` (`F:`/`X:`/`N:` patterns,
    `M:`/`R:`/`L:` addresses).  Catch-all entries such as THE REST
    (`F: *`) are left out: they would ask for LKML on every patch.

    ## Why is this bad?
    A patch the responsible maintainers and lists never saw is not
    reviewed by them; when it changes an interface used by other
    subsystems, those subsystems learn of it only once it breaks them.

    ## Example
    A series changing `lookup_positive_unlocked()` in `fs/namei.c` and its
    callers in `fs/nfsd/`, sent only to `linux-unionfs@vger.kernel.org`.

    Use instead: run `scripts/get_maintainer.pl` on the patches and Cc
    `linux-fsdevel@vger.kernel.org`, `linux-nfs@vger.kernel.org` and the
    maintainers it names.
    """
    ctx.mailed_patches()  # recipients: none without mail headers
    if ctx.repo is None or ctx.base is None:
        raise Skipped("no tree")
    text = ctx.base_file("MAINTAINERS")
    if text is None:
        raise Skipped("the base tree has no MAINTAINERS")
    paths = sorted(ctx.revision.paths)
    # Shared with the other rules of the revision (subject-prefix reads it too).
    entries = entries_for(ctx.memo("base-maintainers", lambda: parse_maintainers(text)), paths)
    specific = [e for e in entries if not e.catch_all]
    only_catch_all = ({a for e in entries if e.catch_all for a in e.addresses}
                      - {a for e in specific for a in e.addresses})
    patch_text = "".join(p.diff + "\n" for p in ctx.revision.patches)
    named = run_get_maintainer(ctx.repo, ctx.base, patch_text, ctx.config.checkpatch_timeout)
    source = "get_maintainer.pl" if named is not None else "MAINTAINERS"
    wanted = ([a for a in named if a not in only_catch_all] if named is not None
              else list(dict.fromkeys(a for e in specific for a in e.addresses)))
    addressed = _addressed(ctx.revision)
    for addr in wanted:
        if addr in addressed:
            continue
        owners = [e for e in specific if addr in e.addresses]
        why = "; ".join(f"{e.title}: {', '.join(p for p in paths if e.covers(p))}"
                        for e in owners) or f"named by {source}"
        role = _role(addr, owners)
        yield ctx.report(f"{role} {_display(addr, owners)} is not on To/Cc ({why})",
                         key=addr)
