"""`reviewer check` and `reviewer rules`."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from reviewer.commands.common import (
    add_check_options,
    print_json,
    progress,
    record_checks,
    run_apply,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from rich.progress import Progress


def cmd_check(args: argparse.Namespace) -> int:
    from reviewer.checks.engine import selected_rules
    from reviewer.checks.race.treefacts import facts_progress
    from reviewer.config import load_config
    from reviewer.output.report import (
        SeriesReport,
        exit_code,
        mark_approximate,
        to_json,
        to_markdown,
        to_text,
    )
    from reviewer.pipeline import open_source
    from reviewer.store.cache import ResultCache, take_notices

    config = load_config().with_cli(args.select, args.ignore, args.fail_on, args.all)
    cache = None if args.no_cache else ResultCache()
    if args.tree:
        opened, applied = run_apply(args.source, args.tree, args.base,
                                    fuzzy=getattr(args, "fuzzy", False), cache=cache)
        from reviewer.tree.gitrepo import GitRepo

        repo: Any = GitRepo(args.tree)
    else:
        opened = open_source(args.source)
        applied = [(s, None) for s in opened.series]
        repo = None
    total = sum(len(s.revisions) for s in opened.series)
    with progress() as bar, facts_progress(_facts_bar(bar)):
        task = bar.add_task("checking", total=total)
        checked = _check_all(applied, repo, config, cache is not None,
                             lambda: bar.advance(task))
    for notice in take_notices():
        stderr.print(f"warning: {notice}", markup=False, soft_wrap=True)
    reports = [SeriesReport(s, tuple(mark_approximate(r) for r in revs)) for s, revs in checked]
    record_checks([(r.series, r.revisions[-1]) for r in reports if r.revisions],
                  opened.loaded.source)
    rules = selected_rules(config)
    if getattr(args, "show_apply", False):
        from reviewer.output.listing import apply_lines, apply_table

        for series, results in applied:
            if results is not None:
                stdout.print(apply_table(series, results))
                for line in (line for res in results for line in apply_lines(res)):
                    stdout.print(line, soft_wrap=True)
    if args.format == "json":
        print_json(to_json(reports, rules, opened.loaded.source))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(reports, rules))
    else:
        stdout.print(to_text(reports, rules))
    return exit_code(reports, config.fail_on)


def _facts_bar(bar: Progress) -> Callable[[int, int], None]:
    """A progress line for deriving a tree's kernel facts (once per tree)."""
    tasks: list[Any] = []

    def report(done: int, total: int) -> None:
        if not tasks:
            tasks.append(bar.add_task("reading the tree's C source (MB)", total=total >> 20))
        bar.update(tasks[0], completed=done >> 20)

    return report


def _check_all(applied: list[tuple[Any, Any]], repo: Any, config: Any, use_cache: bool,
               advance: Callable[[], None]) -> list[tuple[Any, list[Any]]]:
    """check_series() for every series, with the revisions (independent of
    each other, see engine.py) spread over the cores: the rules mostly wait
    on perl and git.  Each worker has its own git processes and cache
    connection; the biggest revisions start first."""
    from reviewer.checks.engine import check_revision, selected_rules
    from reviewer.checks.policy.bisect import prefetch
    from reviewer.store.cache import ResultCache
    from reviewer.tree.gitrepo import GitRepo

    rules = selected_rules(config)
    jobs = [(series, rev, results[i] if results and i < len(results) else None)
            for series, results in applied for i, rev in enumerate(series.revisions)]
    grepping = False
    for series, _rev, res in jobs:
        if repo is not None and res is not None and res.applied and res.base is not None:
            grepping |= prefetch(repo, series, res.base.commit)  # the one tree-wide read
    local = threading.local()

    def check(job: tuple[Any, Any, Any]) -> Any:
        if not hasattr(local, "cache"):
            local.repo = GitRepo(repo.path) if repo is not None else None
            local.cache = ResultCache() if use_cache else None
        series, rev, res = job
        report = check_revision(series, rev, res, local.repo, config, rules, local.cache)
        advance()
        return report

    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1].patches))
    # A base grep reads every C file of the tree: leave it a core of its own,
    # so that on a big tree it is done by the time the bisect rule needs it.
    cores = (os.cpu_count() or 1) - (1 if grepping else 0)
    workers = max(1, min(len(jobs), cores, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(check, jobs[i]) for i in order}
        try:
            done = [futures[i].result() for i in range(len(jobs))]
        except BaseException:  # Ctrl-C, SIGTERM: start no revision, stop every perl
            from reviewer.checks.race.treefacts import cancel
            from reviewer.checks.toolrun import stop_all

            pool.shutdown(wait=False, cancel_futures=True)
            stop_all()
            cancel()  # a tree's facts being derived: stored only when complete
            raise
    out: list[tuple[Any, list[Any]]] = []
    for (series, _rev, _res), report in zip(jobs, done, strict=True):
        if not out or out[-1][0] is not series:
            out.append((series, []))
        out[-1][1].append(report)
    return out


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
