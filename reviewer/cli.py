"""The `reviewer` command: parses arguments, calls the library, prints.

Exit codes: 0 fine, 1 findings at or above --fail-on (check), 2 bad input
(one line on stderr, never a traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from reviewer.errors import ReviewerError

__all__ = ["main"]

stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=stderr, transient=True, disable=not stderr.is_terminal)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


# -- commands ------------------------------------------------------------------

def cmd_revisions(args: argparse.Namespace) -> int:
    from reviewer.listing import revisions_table, series_to_json
    from reviewer.pipeline import open_source

    opened = open_source(args.source)
    if args.json:
        _print_json({"source": opened.loaded.source, "messages": len(opened.loaded.messages),
                     "problems": list(opened.loaded.problems),
                     "missing_parents": sorted(opened.thread.missing),
                     "series": [series_to_json(s) for s in opened.series]})
        return 0
    for problem in opened.loaded.problems:
        stderr.print(f"warning: {problem}", markup=False)
    for series in opened.series:
        stdout.print(revisions_table(series))
    return 0


def run_apply(source: str, tree: str, base: str | None) -> tuple[Any, list[Any]]:
    from reviewer.apply import apply_series
    from reviewer.gitrepo import GitRepo
    from reviewer.pipeline import open_source

    opened = open_source(source)
    repo = GitRepo(tree)
    out = []
    total = sum(len(s.revisions) for s in opened.series)
    with _progress() as progress:
        task = progress.add_task("applying", total=total)
        for series in opened.series:
            results = apply_series(repo, series, base,
                                   on_done=lambda r: progress.advance(task))
            out.append((series, results))
    return opened, out


def cmd_apply(args: argparse.Namespace) -> int:
    from reviewer.listing import apply_table, apply_to_json

    _opened, out = run_apply(args.source, args.tree, args.base)
    if args.json:
        _print_json({"series": [{"title": s.title, "revisions": [apply_to_json(r) for r in rs]}
                                for s, rs in out]})
        return 0
    for series, results in out:
        stdout.print(apply_table(series, results))
        for res in results:
            if res.base:
                stdout.print(f"v{res.version}: base {res.base.commit[:12]}: {res.base.reason}",
                             markup=False)
    return 0


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
    with _progress() as progress:
        task = progress.add_task("checking", total=total)
        for series, results in applied:
            revs = check_series(series, results, repo, config, cache,
                                on_done=lambda r: progress.advance(task))
            reports.append(SeriesReport(series, tuple(revs)))
    rules = selected_rules(config)
    if args.format == "json":
        _print_json(to_json(reports, rules, opened.loaded.source))
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
        _print_json([{"id": r.id, "name": r.name, "severity": r.severity.value,
                      "scope": r.scope.value, "summary": r.summary} for r in rules])
        return 0
    for r in rules:
        stdout.print(f"{r.id:8} {r.name:28} {r.severity.value:8} {r.summary}", markup=False,
                     soft_wrap=True)
    return 0


def cmd_refs(args: argparse.Namespace) -> int:
    from reviewer.gitrepo import REF_NAMESPACE, GitRepo

    repo = GitRepo(args.tree)
    if args.delete:
        stdout.print(f"deleted {repo.delete_refs()} ref(s) under {REF_NAMESPACE}", markup=False)
        return 0
    for name, sha in sorted(repo.refs().items()):
        stdout.print(f"{sha[:12]} {name}", markup=False)
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from reviewer.sample import write_sample

    tree, mbox = write_sample(args.dir)
    stdout.print(f"tree:   {tree} (base tag sample-base)\nthread: {mbox}", markup=False)
    stdout.print(f"try:    reviewer apply {mbox} --tree {tree}", markup=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from reviewer.listing import apply_table
    from reviewer.sample import demo_paths

    tree, mbox = demo_paths()
    if not args.headless:
        from tui.app import run_app

        return run_app(str(mbox), str(tree))
    _opened, out = run_apply(str(mbox), str(tree), None)
    for series, results in out:
        stdout.print(apply_table(series, results))
    return 0


# -- argument parsing -------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reviewer", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int],
            help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=fn)
        return sp

    sp = add("revisions", cmd_revisions, "list the revisions of the series in SOURCE")
    sp.add_argument("source", help="mbox, maildir or directory of .eml/.patch files")
    sp.add_argument("--json", action="store_true", help="print JSON")

    sp = add("apply", cmd_apply, "apply every revision to a git tree, isolated from its checkout")
    sp.add_argument("source")
    sp.add_argument("--tree", required=True, help="the kernel git tree")
    sp.add_argument("--base", help="base commit for revisions without a usable base-commit")
    sp.add_argument("--json", action="store_true")

    sp = add("check", cmd_check, "run the policy and race checks on every revision")
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

    sp = add("rules", cmd_rules, "list the rules, or --explain one")
    sp.add_argument("--explain", metavar="ID")
    sp.add_argument("--json", action="store_true")

    sp = add("refs", cmd_refs, "list (or --delete) the refs/reviewer/ refs apply wrote")
    sp.add_argument("--tree", required=True)
    sp.add_argument("--delete", action="store_true")

    sp = add("sample", cmd_sample, "write the sample tree and thread into DIR")
    sp.add_argument("dir")

    sp = add("demo", cmd_demo, "open the embedded sample (TUI, or a table with --headless)")
    sp.add_argument("--headless", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for name in ("select", "ignore"):  # accept both --select A --select B and A,B
        if getattr(args, name, None):
            setattr(args, name, [p.strip() for v in getattr(args, name) for p in v.split(",")
                                 if p.strip()])
    try:
        code: int = args.func(args)
        return code
    except ReviewerError as exc:
        stderr.print(f"reviewer: {exc}", markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        stderr.print("reviewer: interrupted", markup=False)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the user gets one line; REVIEWER_DEBUG shows the traceback
        if os.environ.get("REVIEWER_DEBUG"):
            raise
        stderr.print(f"reviewer: internal error: {exc.__class__.__name__}: {exc}", markup=False)
        return 3


if __name__ == "__main__":
    sys.exit(main())
