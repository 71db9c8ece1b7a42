"""Signed-off-by chain and trailer shape (Documentation/process/
submitting-patches.rst, "Sign your work")."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.checks.tags import tagged_people
from reviewer.mail.people import Identities, full_name
from reviewer.model import Address, Finding, Patch, Severity

_PERSON_TRAILERS = {"signed-off-by", "reviewed-by", "acked-by", "tested-by", "co-developed-by",
                    "reported-by", "suggested-by"}
_TYPO_EDITS = 2  # a domain this close to one the person writes from is a slip
# A local part with "..", an ellipsis or a dot at an end is no address
# (RFC 5322): an ID copied abbreviated, `syzbot+77e4f0...@…`.
_ELIDED = re.compile(r"\.\.|…|^\.|\.$")
_TRAILER_LINE = re.compile(r"^([A-Za-z][A-Za-z-]*-(?:by|By|BY))\s*:?\s*(.*)$")


def _signers(patch: Patch) -> list[Address]:
    return tagged_people(patch, "signed-off-by")


def _signed(ids: Identities, who: Address, signers: list[Address]) -> int | None:
    """The position of `who`'s sign-off (by any of their addresses)."""
    return next((i for i, s in enumerate(signers) if ids.same(who, s)), None)


@rule("POL001", "missing-signoff", Severity.ERROR, Scope.PATCH, version=2)
def missing_signoff(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch whose commit message has no `Signed-off-by:` line at all
    (as checkpatch does, on any line of the message: a changelog left above
    `---` is POL009's finding, not a missing sign-off).

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


@rule("POL002", "author-signoff", Severity.ERROR, Scope.PATCH, version=3)
def author_signoff(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch whose author (the in-body `From:` line, else the mail's
    `From:`) has not signed it off, and (a warning) one whose sign-offs
    start with someone else who is no `Co-developed-by:`: when that person
    wrote it, the mail lacks their in-body `From:` and `git am` would record
    the sender as the author.  One person is recognised under another
    address by the base's `.mailmap`, by full name, and by the names the
    thread shows for each address.

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
    ids = ctx.identities()
    for patch in authored:
        signers = _signers(patch)
        if not signers:
            continue
        at = _signed(ids, patch.author, signers)
        if at is None:
            yield ctx.report(f"author {patch.author} has no Signed-off-by",
                             patch=patch.index, key=f"author {patch.author.email.lower()}")
            continue
        first = signers[0]
        helpers = tagged_people(patch, "co-developed-by")
        if at > 0 and not any(ids.same(first, h) for h in helpers):
            yield ctx.report(f"the first Signed-off-by is {first}, not the author {patch.author}"
                             f": if {first.name or first.email} wrote it, the mail lacks "
                             f"'From: {first}' at the top of its body",
                             patch=patch.index, key=f"first {first.email.lower()}",
                             severity=Severity.WARNING)


@rule("POL003", "submitter-signoff-last", Severity.WARNING, Scope.PATCH, version=3)
def submitter_last(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch where the person who sent the mail did sign off, but not
    last, or did not sign off although they are not the author.  The
    sender is the author when one of them is known under the other's
    address (`.mailmap`), full name or, for an address shown with a first
    name only, that name.  A sender known by address alone gets an info:
    nothing says whether they are the author.

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
    ids = ctx.identities()
    for patch in ctx.mailed_patches():
        signers = _signers(patch)
        sender = patch.message.sender
        if not signers:
            continue
        at = _signed(ids, sender, signers)
        if at is not None:
            if at != len(signers) - 1 and not ids.same(signers[-1], sender):
                yield ctx.report(f"submitter {sender.email} signs off, but not last",
                                 patch=patch.index, key=f"not-last {sender.email.lower()}")
            continue
        if any(ids.related(sender, p) for p in (patch.author, *signers)):
            continue
        if ids.anonymous(sender):
            yield ctx.report(f"submitter {sender.email} has no Signed-off-by; nothing in the "
                             f"thread says whether they are the author {patch.author}",
                             patch=patch.index, key=f"no-submitter {sender.email.lower()}",
                             severity=Severity.INFO)
        else:
            yield ctx.report(f"submitter {sender} has no Signed-off-by", patch=patch.index,
                             key=f"no-submitter {sender.email.lower()}")


@rule("POL004", "malformed-trailer", Severity.WARNING, Scope.PATCH, version=4)
def malformed_trailer(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags person trailers (`Signed-off-by`, `Reviewed-by`, `Acked-by` …)
    whose value is no address or one cut short (`syzbot+1a2b3c...@`), a
    `Signed-off-by` without a name, an address one letter or two off one
    its person writes from (by full name:
    `damien.lemoal@dc.com` for `damien.lemoal@wdc.com`), and trailers with
    no colon or a misspelt key.  A bare address is fine in
    the others (`Reported-by: syzbot+1234@syzkaller.appspotmail.com`).

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
    senders = {m.sender.email.lower() for r in ctx.series.revisions
               for m in ([r.cover] if r.cover else []) + [p.message for p in r.patches]
               + [x.message for x in r.replies]}
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
            elif "@" not in addr or "." not in addr.split("@")[-1]:
                problem = "needs 'Name <address>'"
            elif _ELIDED.search(addr.rpartition("@")[0]):
                problem = "has an address cut short ('...'): no mail reaches it"
            elif not name and key.lower() == "signed-off-by":
                problem = "needs 'Name <address>' (a sign-off uses a known identity)"
            elif (near := _typo_of(ctx, Address(name, addr), senders)) is not None:
                problem = f"names {addr}, which {name} never wrote from: a typo of {near}?"
            if problem:
                yield ctx.report(f"trailer {line.strip()!r} {problem}", patch=patch.index,
                                 key=f"trailer {line.strip()}")


def _typo_of(ctx: CheckContext, who: Address, senders: set[str]) -> str | None:
    """The address this person writes from that `who`'s differs from by a
    slip in the domain (`damien@dc.com` for `damien@wdc.com`); None when the
    address is one they write from, or not that close to one."""
    local, _, domain = who.email.lower().partition("@")
    if who.email.lower() in senders or not full_name(who.name):
        return None
    for known in sorted(ctx.identities().addresses(who) & senders):
        their_local, _, their_domain = known.partition("@")
        if their_local == local and _edits(domain, their_domain) <= _TYPO_EDITS:
            return known
    return None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _closest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key.lower(), sorted(_PERSON_TRAILERS), n=1, cutoff=0.0)
    return close[0].title() if close else "Signed-off-by"
