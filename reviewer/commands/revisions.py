"""`reviewer revisions`: list the revisions found in SOURCE."""

from __future__ import annotations

import argparse
from typing import Any

from reviewer.commands.common import print_json, stderr, stdout


def cmd_revisions(args: argparse.Namespace) -> int:
    from reviewer.output.listing import inert, revisions_table, series_to_json
    from reviewer.pipeline import open_source

    opened = open_source(args.source)
    bases = [_bases(args.tree, args.base, s) for s in opened.series] if args.tree \
        else [None] * len(opened.series)
    if args.json:
        print_json({"source": opened.loaded.source, "messages": len(opened.loaded.messages),
                     "problems": list(opened.loaded.problems),
                     "missing_parents": sorted(opened.thread.missing),
                     "series": [series_to_json(s, b) for s, b in zip(opened.series, bases,
                                                                     strict=True)]})
        return 0
    for problem in opened.loaded.problems:
        stderr.print(inert(f"warning: {problem}"), soft_wrap=True)
    for series, base in zip(opened.series, bases, strict=True):
        stdout.print(revisions_table(series, base))
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
    sp.add_argument("--tree", help="also say on which commit of this git tree each revision "
                    "would be applied, and the evidence for it (writes nothing)")
    sp.add_argument("--base", help="with --tree: the commit to use instead of the evidence")
