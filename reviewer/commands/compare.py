"""`reviewer compare` (one revision against another: pairing, interdiff or
range-diff, API surface, findings, review requests, bot reports, trailers)
and `reviewer b4-check` (one patch mail for `b4 review`'s external check
protocol)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from reviewer.commands.common import print_json, progress, stdout


def cmd_compare(args: argparse.Namespace) -> int:
    from reviewer.compare.comparison import compare_revisions
    from reviewer.compare.serialize import comparison_to_json
    from reviewer.config import load_config
    from reviewer.errors import ReviewerError
    from reviewer.output.comparison import to_markdown, to_text
    from reviewer.output.listing import tree_lines
    from reviewer.pipeline import open_source
    from reviewer.store.cache import ResultCache

    opened = open_source(args.source)
    series, old = opened.find(args.old)
    new = series.find(args.new)
    if new is None:
        opened.find(args.new)  # an unknown label: the same one-line error as for OLD
        raise ReviewerError(f"{args.old} and {args.new} are not revisions of the same series")
    if new is old:
        raise ReviewerError(f"compare needs two different revisions (got {old.label} twice)")
    repo: Any = None
    applies: dict[str, Any] = {}
    with progress() as bar:
        if args.tree:
            from reviewer.tree.apply import apply_series
            from reviewer.tree.gitrepo import GitRepo

            repo = GitRepo(args.tree)
            task = bar.add_task("applying", total=2)
            applies = {a.label: a for a in apply_series(
                repo, series, args.base, on_done=lambda r: bar.advance(task),
                revisions=[old, new])}
        bar.add_task("checking and comparing", total=None)
        config = load_config().with_cli(args.select, args.ignore)
        result = compare_revisions(series, old, new, repo, applies, config=config,
                                   cache=None if args.no_cache else ResultCache())
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


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
