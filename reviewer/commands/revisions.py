"""`reviewer revisions`: list the revisions found in SOURCE."""

from __future__ import annotations

import argparse

from reviewer.commands.common import print_json, stderr, stdout


def cmd_revisions(args: argparse.Namespace) -> int:
    from reviewer.output.listing import inert, mail_notes, revisions_table, series_to_json
    from reviewer.pipeline import open_source

    opened = open_source(args.source)
    if args.json:
        print_json({"source": opened.loaded.source, "messages": len(opened.loaded.messages),
                     "problems": list(opened.loaded.problems),
                     "missing_parents": sorted(opened.thread.missing),
                     "series": [series_to_json(s) for s in opened.series]})
        return 0
    for problem in opened.loaded.problems:
        stderr.print(inert(f"warning: {problem}"), soft_wrap=True)
    for series in opened.series:
        stdout.print(revisions_table(series))
        for rev in series.revisions:
            for line in mail_notes(rev):
                stdout.print(line, soft_wrap=True)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("revisions", help="list the revisions of the series in SOURCE")
    sp.set_defaults(func=cmd_revisions)
    sp.add_argument("source", help="mbox, maildir or directory of .eml/.patch files")
    sp.add_argument("--json", action="store_true", help="print JSON")
