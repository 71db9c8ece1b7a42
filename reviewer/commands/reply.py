"""`reviewer reply`: a review reply draft from a revision's findings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewer.commands.common import (
    Subcommands,
    add_check_options,
    options,
    record_checks,
    run_review,
    stderr,
)


def revision_findings(source: Any, label: str, args: argparse.Namespace) -> tuple[Any, ...]:
    """(opened, series, revision, report, repo): the revision checked as
    `reviewer check` does (applied first with --tree), by reviewer.review()."""
    from reviewer.pipeline import open_source
    from reviewer.tree.gitrepo import GitRepo

    opened = open_source(source, args.global_lore, args.global_offline)
    series, rev = opened.find(label)
    si = next(i for i, s in enumerate(opened.series) if s is series)
    ran = run_review(opened, options(args, only=((si, rev.label),)))
    repo = GitRepo(args.tree) if args.tree else None
    return opened, series, rev, ran.reports[si, rev.label], repo


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


def register(sub: Subcommands) -> None:
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
