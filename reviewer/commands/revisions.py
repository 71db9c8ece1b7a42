"""`reviewer revisions`: list the revisions found in SOURCE, with their base in
a tree (`--tree`) and what their signatures attest."""

from __future__ import annotations

import argparse
from typing import Any

from reviewer.commands.common import print_json, record_seen, stderr, stdout


def _attested(series: Any, dkim: bool) -> list[Any]:
    """Per revision, per patch: its attestation.  DKIM keys are in DNS:
    looked up only with --dkim, never with --offline."""
    from reviewer.mail.attest import attest_revision, keyring_sources, system_dns
    from reviewer.mail.fetch import is_offline

    offline = is_offline()
    dns = system_dns() if dkim and not offline else None
    why = "offline" if offline else "not looked up: --dkim"
    sources = keyring_sources()
    return [attest_revision(rev, sources, dns=dns, no_dns=why) for rev in series.revisions]


def cmd_revisions(args: argparse.Namespace) -> int:
    from reviewer.model import AttestStatus
    from reviewer.output.listing import inert, mail_notes, revisions_table, series_to_json
    from reviewer.pipeline import open_source

    opened = open_source(args.source)
    record_seen(opened.series, opened.loaded.source)
    attested = [_attested(s, args.dkim) for s in opened.series]
    bases = [_bases(args.tree, args.base, s) for s in opened.series] if args.tree \
        else [None] * len(opened.series)
    if args.json:
        print_json({"source": opened.loaded.source, "messages": len(opened.loaded.messages),
                     "problems": list(opened.loaded.problems),
                     "missing_parents": sorted(opened.thread.missing),
                     "series": [series_to_json(s, b, a) for s, b, a in zip(
                         opened.series, bases, attested, strict=True)]})
        return 0
    for problem in opened.loaded.problems:
        stderr.print(inert(f"warning: {problem}"), soft_wrap=True)
    for series, base, per_rev in zip(opened.series, bases, attested, strict=True):
        stdout.print(revisions_table(series, base, per_rev))
        for rev, found in zip(series.revisions, per_rev, strict=True):
            for line in mail_notes(rev):
                stdout.print(line, soft_wrap=True)
            for k, att in sorted(found.items()):
                for sig in att.signatures:
                    if sig.status is AttestStatus.BAD:
                        where = f"{rev.label} {k}/{rev.expected}" if k else f"{rev.label} cover"
                        stdout.print(inert(f"{where}: bad {sig.method.value} signature "
                                           f"({sig.identity}): {sig.detail}", "red"),
                                     soft_wrap=True)
    return 0


def _bases(tree: str, base_ref: str | None, series: Any) -> dict[str, Any]:
    """revision label → the base it would be applied on, or why none."""
    from reviewer.errors import TreeError
    from reviewer.tree.base import choose_base
    from reviewer.tree.gitrepo import GitRepo

    repo = GitRepo(tree)
    if base_ref and not repo.resolve(base_ref):
        raise TreeError(f"--base {base_ref!r}: no such commit in {repo.path}")
    out: dict[str, Any] = {}
    for rev in series.revisions:
        try:
            out[rev.label] = choose_base(repo, rev, base_ref)
        except TreeError as exc:
            out[rev.label] = str(exc)
    return out


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("revisions", help="list the revisions of the series in SOURCE")
    sp.set_defaults(func=cmd_revisions)
    sp.add_argument("source", help="mbox, maildir or directory of .eml/.patch files")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.add_argument("--dkim", action="store_true",
                    help="verify DKIM signatures too (looks their keys up in DNS)")
    sp.add_argument("--tree", help="also say on which commit of this git tree each revision "
                    "would be applied, and the evidence for it (writes nothing)")
    sp.add_argument("--base", help="with --tree: the commit to use instead of the evidence")
