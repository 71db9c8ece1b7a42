"""`reviewer check` and `reviewer rules`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from reviewer.commands.common import (
    Subcommands,
    add_check_options,
    options,
    print_json,
    record_checks,
    run_review,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from reviewer.run import Options


def cmd_check(args: argparse.Namespace) -> int:
    return check(args.source, options(args), args.format,
                 show_apply=getattr(args, "show_apply", False))


def check(source: str, opts: Options, fmt: str, show_apply: bool = False) -> int:
    """Run every revision through reviewer.review() and print the report."""
    from reviewer.checks.engine import selected_rules
    from reviewer.output.report import SeriesReport, exit_code, to_json, to_markdown, to_text

    config = opts.config()
    ran = run_review(source, opts)
    for notice in ran.notices:
        stderr.print(f"warning: {notice}", markup=False, soft_wrap=True)
    done = ran.in_order()
    reports = [SeriesReport(series, tuple(revs)) for series, _applies, revs in done]
    record_checks([(r.series, r.revisions[-1]) for r in reports if r.revisions],
                  ran.opened.loaded.source)
    rules = selected_rules(config)
    if show_apply:
        from reviewer.output.listing import apply_lines, apply_table

        for series, applies, _revs in done:
            if applies:
                stdout.print(apply_table(series, applies))
                for line in (line for res in applies for line in apply_lines(res)):
                    stdout.print(line, soft_wrap=True)
    if fmt == "json":
        print_json(to_json(reports, rules, ran.opened.loaded.source))
    elif fmt == "markdown":
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


def register(sub: Subcommands) -> None:
    sp = sub.add_parser("check", help="run the policy and race checks on every revision")
    sp.set_defaults(func=cmd_check)
    sp.add_argument("source")
    add_check_options(sp)
    sp.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    sp.add_argument("--fail-on", choices=("error", "warning", "info"),
                    help="exit 1 when a finding is at or above this severity (default: error)")
    sp.add_argument("--all", action="store_true",
                    help="race checks: also report pre-existing code of touched functions")

    sp = sub.add_parser("rules", help="list the rules, or --explain one")
    sp.set_defaults(func=cmd_rules)
    sp.add_argument("--explain", metavar="ID")
    sp.add_argument("--json", action="store_true")
