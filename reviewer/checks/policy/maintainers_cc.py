"""Recipients vs MAINTAINERS (Documentation/process/submitting-patches.rst,
"Select the recipients for your patch")."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.maintainers import Entry, entries_for, parse_maintainers, run_get_maintainer
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.model import Address, BaseSource, Finding, Revision, Severity


def _addressed(rev: Revision) -> list[Address]:
    """Everyone a mail of the revision went to, or came from."""
    mails = ([rev.cover] if rev.cover else []) + [p.message for p in rev.patches]
    return list(dict.fromkeys(a for m in mails for a in (*m.to, *m.cc, m.sender)))


# MAINTAINERS of a tree this far in time from the mail may name other people.
_ERA_DAYS = 90


def _span(days: int) -> str:
    if days < 60:
        return f"{days} days"
    if days < 730:
        return f"{round(days / 30.4)} months"
    return f"{days / 365.25:.1f} years"


def _era(ctx: CheckContext, base: str) -> tuple[str, bool]:
    """When nothing says which base the revision was written on (no
    base-commit, no pre-image blobs, no release: the tree's HEAD stands in):
    whose MAINTAINERS was read and how far its date is from the mail's,
    and whether that is far (or unknown) enough to make the findings only
    an info.  ("", False) for the revision's own base."""
    res = ctx.data.apply
    if ctx.repo is None or res is None or res.base is None \
            or res.base.source is not BaseSource.HEAD:
        return "", False
    when = ctx.repo.commit_date(base)
    if when is None:
        return f"the MAINTAINERS of the tree's HEAD {base[:12]} (of unknown date)", True
    gap = (when - ctx.revision.first_message.date).days
    return (f"the MAINTAINERS of the tree's HEAD {base[:12]} ({when:%Y-%m-%d}, "
            f"{_span(abs(gap))} {'after' if gap >= 0 else 'before'} the mail, which names no "
            "base)"), abs(gap) > _ERA_DAYS


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


def _name(addr: str, entries: list[Entry]) -> str:
    return next((p.name for e in entries for p in e.maintainers + e.reviewers
                 if p.email.lower() == addr), "")


def _display(addr: str, entries: list[Entry]) -> str:
    for entry in entries:
        for person in entry.maintainers + entry.reviewers:
            if person.email.lower() == addr:
                return str(person)
    return addr


@rule("POL013", "missing-cc", Severity.WARNING, Scope.REVISION, version=4)
def missing_cc(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags the mailing lists and maintainers responsible for the files a
    revision touches that none of its mails went to.  "Responsible" is what
    the base tree's own `scripts/get_maintainer.pl` prints when it can run,
    else our reading of the base's `MAINTAINERS` (`F:`/`X:`/`N:` patterns,
    `M:`/`R:`/`L:` addresses).  Catch-all entries such as THE REST
    (`F: *`) are left out: they would ask for LKML on every patch.
    MAINTAINERS changes over the years: when the mail names no base and
    the tree's HEAD stands in, the findings say whose MAINTAINERS was read
    and how far its date is from the mail's; more than three months apart,
    they are one info for the revision (that MAINTAINERS may name other
    people than the author could see).  Each finding names the patches that
    touch the files concerned.

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
    addressed, ids = _addressed(ctx.revision), ctx.identities()
    era, far = _era(ctx, ctx.base)
    missing: list[tuple[str, str, list[Entry]]] = []
    for addr in wanted:
        owners = [e for e in specific if addr in e.addresses]
        # The same person under another address (full name, .mailmap) got it.
        person = Address(_name(addr, owners), addr)
        if not any(ids.same(person, a) for a in addressed):
            missing.append((addr, f"{_role(addr, owners)} {_display(addr, owners)}", owners))
    if far and missing:  # one cause: another era's MAINTAINERS
        names = "; ".join(f"{who} ({', '.join(e.title for e in owners) or source})"
                          for _a, who, owners in missing)
        covered = _patches(ctx.revision, [e for _a, _w, owners in missing for e in owners])
        yield ctx.report(f"by {era}, these are not on To/Cc: {names}", key="other-era",
                         severity=Severity.INFO, patch=covered[0] if covered else None,
                         patches=covered)
        return
    for addr, who, owners in missing:
        why = "; ".join(f"{e.title}: {', '.join(p for p in paths if e.covers(p))}"
                        for e in owners) or f"named by {source}"
        covered = _patches(ctx.revision, owners)
        yield ctx.report(f"{who} is not on To/Cc ({why})" + (f"; read from {era}" if era else ""),
                         key=addr, patch=covered[0] if covered else None, patches=covered)


def _patches(rev: Revision, owners: list[Entry]) -> tuple[int, ...]:
    """The patches touching files of these entries: the ones that needed the
    Cc (when they are dropped, the finding goes with them)."""
    return tuple(p.index for p in rev.patches if any(e.covers(f) for e in owners for f in p.paths))
