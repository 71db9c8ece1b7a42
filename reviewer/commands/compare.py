"""`reviewer compare` (one revision against another: pairing, interdiff or
range-diff, API surface, findings, review requests, bot reports, trailers)
and `reviewer b4-check` (one patch mail for `b4 review`'s external check
protocol)."""

from __future__ import annotations

import argparse
import json
import sys

from reviewer.commands.common import (
    Subcommands,
    options,
    print_json,
    progress,
    run_review,
    stdout,
)


def cmd_compare(args: argparse.Namespace) -> int:
    from reviewer.compare.serialize import comparison_to_json
    from reviewer.errors import ReviewerError
    from reviewer.output.comparison import to_markdown, to_text
    from reviewer.output.listing import tree_lines
    from reviewer.pipeline import open_source
    from reviewer.run.compare import compare_pair

    opened = open_source(args.source, args.global_lore, args.global_offline)
    series, old = opened.find(args.old)
    new = series.find(args.new)
    if new is None:
        opened.find(args.new)  # an unknown label: the same one-line error as for OLD
        raise ReviewerError(f"{args.old} and {args.new} are not revisions of the same series")
    if new is old:
        raise ReviewerError(f"compare needs two different revisions (got {old.label} twice)")
    si = next(i for i, s in enumerate(opened.series) if s is series)
    opts = options(args, only=((si, old.label), (si, new.label)))
    ran = run_review(opened, opts)
    applies = {label: a for (i, label), a in ran.applies.items() if i == si}
    reports = {label: r for (i, label), r in ran.reports.items() if i == si}
    with progress() as bar:
        bar.add_task("comparing", total=None)
        result = compare_pair(series, old.label, new.label, opts, applies, reports)
    trees = tree_lines([old.label, new.label], applies)
    if args.format == "json":
        print_json(comparison_to_json(result, series, opened.loaded.source, applies))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(result, series.title, trees))
    else:
        stdout.print(to_text(result, series.title, trees))
    return 0


def cmd_b4_check(args: argparse.Namespace) -> int:
    from reviewer.config import load_config
    from reviewer.output.b4check import b4_results

    config = load_config().with_cli(args.select, args.ignore)
    sys.stdout.write(json.dumps(b4_results(sys.stdin.buffer.read(), config)) + "\n")
    return 0


def register(sub: Subcommands) -> None:
    sp = sub.add_parser("compare", help="compare two revisions: pairing and interdiff, API "
                        "surface, findings, and what became of the requests, bot reports "
                        "and trailers")
    sp.set_defaults(func=cmd_compare)
    sp.add_argument("source")
    sp.add_argument("old", metavar="vA", help="the earlier revision, e.g. v1")
    sp.add_argument("new", metavar="vB", help="the later revision, e.g. v2")
    sp.add_argument("--tree", help="apply both to this git tree (range-diff, tree-level checks)")
    sp.add_argument("--base", help="with --tree: put every revision on this commit, over the "
                    "evidence (base-commit, pre-image blobs, a named release)")
    sp.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    sp.add_argument("--select", action="append", metavar="ID",
                    help="run only these rule IDs or prefixes")
    sp.add_argument("--ignore", action="append", metavar="ID", help="skip these IDs or prefixes")
    sp.add_argument("--no-cache", action="store_true", help="do not read or write the cache")

    sp = sub.add_parser("b4-check", help="check one patch mail on stdin for `b4 review` "
                        "(b4.review-perpatch-check-cmd); JSON on stdout")
    sp.set_defaults(func=cmd_b4_check)
    sp.add_argument("--select", action="append", metavar="ID",
                    help="run only these rule IDs or prefixes")
    sp.add_argument("--ignore", action="append", metavar="ID", help="skip these IDs or prefixes")
