"""`reviewer reply`: a review reply draft from a revision's findings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewer.commands.common import add_check_options, record_checks, stderr


def revision_findings(source: Any, label: str, args: argparse.Namespace) -> tuple[Any, ...]:
    """(opened, series, revision, report, repo): the revision checked as
    `reviewer check` does (applied first with --tree).  One function, so
    that it can become a call of the core's single entry point."""
    from reviewer.checks.engine import check_revision, selected_rules
    from reviewer.config import load_config
    from reviewer.output.report import mark_approximate
    from reviewer.pipeline import open_source
    from reviewer.store.cache import ResultCache

    config = load_config().with_cli(args.select, args.ignore)
    cache = None if args.no_cache else ResultCache()
    opened = open_source(source)
    series, rev = opened.find(label)
    repo, applied = None, None
    if args.tree:
        from reviewer.tree.apply import apply_series
        from reviewer.tree.gitrepo import GitRepo

        repo = GitRepo(args.tree)
        applied = apply_series(repo, series, args.base, revisions=[rev], fuzzy=args.fuzzy,
                               cache=cache)[0]
    report = check_revision(series, rev, applied, repo, config, selected_rules(config), cache)
    return opened, series, rev, mark_approximate(report), repo


def cmd_reply(args: argparse.Namespace) -> int:
    from reviewer.config import parse_severity
    from reviewer.mail.identity import reviewer_identity
    from reviewer.output.listing import inert
    from reviewer.output.reply import (
        draft_reply,
        in_mail_lines,
        reply_findings,
        reply_target,
        write_draft,
    )

    floor = parse_severity(args.severity)
    opened, series, rev, report, repo = revision_findings(args.source, args.revision, args)
    target = reply_target(rev, args.patch)
    findings = in_mail_lines(report.findings, rev, target, report.apply, repo)
    chosen = [f for f in findings if f.severity.rank >= floor.rank]
    me = reviewer_identity(Path(args.tree) if args.tree else None)
    draft = draft_reply(rev, target, me, chosen, reviewed_by=args.reviewed_by,
                        open_findings=findings)
    if args.output == "-":
        sys.stdout.write(draft.text)
    else:
        path = Path(args.output or draft.filename)
        write_draft(draft, path, force=args.force)
        told = len(reply_findings(rev, target, chosen))
        stderr.print(inert(f"wrote {path}: reply to <{draft.answers}> with {told} finding(s)"
                           + (", Reviewed-by" if draft.reviewed_by else "")), soft_wrap=True)
    record_checks([(series, report)], opened.loaded.source)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("reply", help="write a review reply to a patch (or the cover letter) "
                        "with the findings under their lines, as a mail to send yourself")
    sp.set_defaults(func=cmd_reply)
    sp.add_argument("source")
    sp.add_argument("revision", metavar="vN", help="the revision, e.g. v2")
    sp.add_argument("--patch", type=int, metavar="K",
                    help="answer patch K (0: the cover letter; default: the cover letter, "
                    "else the first patch)")
    sp.add_argument("-o", "--output", metavar="FILE",
                    help="where to write the draft (- for stdout; default: a name from the "
                    "patch's title in the current directory)")
    sp.add_argument("--force", action="store_true", help="replace FILE when it exists")
    sp.add_argument("--reviewed-by", action="store_true",
                    help="end with your Reviewed-by (refused while an error finding is open)")
    sp.add_argument("--severity", choices=("error", "warning", "info"), default="warning",
                    help="quote findings at or above this severity (default: warning)")
    add_check_options(sp)
