"""`reviewer check` and `reviewer rules`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reviewer.commands.common import print_json, progress, run_apply, stdout


def cmd_check(args: argparse.Namespace) -> int:
    from reviewer.cache import ResultCache
    from reviewer.checks.engine import check_series, selected_rules
    from reviewer.config import load_config
    from reviewer.pipeline import open_source
    from reviewer.report import SeriesReport, exit_code, to_json, to_markdown, to_text

    config = load_config().with_cli(args.select, args.ignore, args.fail_on, args.all)
    if args.tree:
        opened, applied = run_apply(args.source, args.tree, args.base)
        from reviewer.gitrepo import GitRepo

        repo: Any = GitRepo(args.tree)
    else:
        opened = open_source(args.source)
        applied = [(s, None) for s in opened.series]
        repo = None
    cache = None if args.no_cache else ResultCache()
    reports = []
    total = sum(len(s.revisions) for s in opened.series)
    with progress() as bar:
        task = bar.add_task("checking", total=total)
        for series, results in applied:
            revs = check_series(series, results, repo, config, cache,
                                on_done=lambda r: bar.advance(task))
            reports.append(SeriesReport(series, tuple(revs)))
    rules = selected_rules(config)
    if getattr(args, "show_apply", False):
        from reviewer.listing import apply_table

        for series, results in applied:
            if results is not None:
                stdout.print(apply_table(series, results))
    if args.format == "json":
        print_json(to_json(reports, rules, opened.loaded.source))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(reports, rules))
    else:
        stdout.print(to_text(reports, rules))
    return exit_code(reports, config.fail_on)


def cmd_rules(args: argparse.Namespace) -> int:
    from rich.markdown import Markdown

    from reviewer.checks.registry import all_rules, get_rule

    if args.explain:
        found = get_rule(args.explain)
        stdout.print(Markdown(f"# {found.name} ({found.id})\n\n"
                              f"Severity: {found.severity.value}, scope: {found.scope.value}\n\n"
                              + found.doc))
        return 0
    rules = all_rules()
    if args.json:
        print_json([{"id": r.id, "name": r.name, "severity": r.severity.value,
                      "scope": r.scope.value, "summary": r.summary} for r in rules])
        return 0
    for r in rules:
        stdout.print(f"{r.id:8} {r.name:28} {r.severity.value:8} {r.summary}", markup=False,
                     soft_wrap=True)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("check", help="run the policy and race checks on every revision")
    sp.set_defaults(func=cmd_check)
    sp.add_argument("source")
    sp.add_argument("--tree", help="apply to this git tree first (enables tree-level checks)")
    sp.add_argument("--base", help="base for revisions without a usable base-commit")
    sp.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    sp.add_argument("--fail-on", choices=("error", "warning", "info"),
                    help="exit 1 when a finding is at or above this severity (default: error)")
    sp.add_argument("--select", action="append", metavar="ID",
                    help="run only these rule IDs or prefixes (repeatable, or comma-separated)")
    sp.add_argument("--ignore", action="append", metavar="ID", help="skip these IDs or prefixes")
    sp.add_argument("--all", action="store_true",
                    help="race checks: also report pre-existing code of touched functions")
    sp.add_argument("--no-cache", action="store_true", help="do not read or write the cache")

    sp = sub.add_parser("rules", help="list the rules, or --explain one")
    sp.set_defaults(func=cmd_rules)
    sp.add_argument("--explain", metavar="ID")
    sp.add_argument("--json", action="store_true")
