"""`reviewer apply` and `reviewer refs`: isolated apply and its refs."""

from __future__ import annotations

import argparse

from reviewer.commands.common import print_json, run_apply, stdout


def cmd_apply(args: argparse.Namespace) -> int:
    from reviewer.output.listing import apply_exit_code, apply_lines, apply_table, apply_to_json

    _opened, out = run_apply(args.source, args.tree, args.base, fuzzy=args.fuzzy)
    results = [r for _s, rs in out for r in rs]
    if args.json:
        print_json({"series": [{"title": s.title, "revisions": [apply_to_json(r) for r in rs]}
                                for s, rs in out]})
        return apply_exit_code(results)
    for series, revs in out:
        stdout.print(apply_table(series, revs))
        for res in revs:
            for line in apply_lines(res):
                stdout.print(line, soft_wrap=True)
    failed = [r.label for r in results if not r.applied]
    if failed:
        stdout.print(f"not applied: {', '.join(failed)} ({len(failed)} of {len(results)} "
                     "revisions; exit code 1)", style="bold red", markup=False)
    return apply_exit_code(results)


def cmd_refs(args: argparse.Namespace) -> int:
    from reviewer.tree.gitrepo import REF_NAMESPACE, GitRepo

    repo = GitRepo(args.tree)
    if args.delete:
        stdout.print(f"deleted {repo.delete_refs()} ref(s) under {REF_NAMESPACE}", markup=False)
        return 0
    for name, sha in sorted(repo.refs().items()):
        stdout.print(f"{sha[:12]} {name}", markup=False)
    return 0


_EXIT_CODES = """exit codes:
  0  every revision applied (with --fuzzy: also approximately)
  1  a revision did not apply (a patch failed, or no base could be chosen)
  2  bad input (unreadable source, not a git tree, unknown --base)"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("apply", help="apply every revision to a git tree, isolated from "
                        "its checkout", epilog=_EXIT_CODES,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.set_defaults(func=cmd_apply)
    sp.add_argument("source")
    sp.add_argument("--tree", required=True, help="the kernel git tree")
    sp.add_argument("--base", help="put every revision on this commit, whatever the mails "
                    "say (default: chosen per revision from base-commit, the pre-image blobs, "
                    "a release the mail names, then HEAD)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--fuzzy", action="store_true",
                    help="retry a patch that does not apply with reduced context (git apply -C1);"
                    " what applies that way is marked approximate")

    sp = sub.add_parser("refs", help="list (or --delete) the refs/reviewer/ refs apply wrote")
    sp.set_defaults(func=cmd_refs)
    sp.add_argument("--tree", required=True)
    sp.add_argument("--delete", action="store_true")
