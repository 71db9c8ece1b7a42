"""`reviewer apply` and `reviewer refs`: isolated apply and its refs."""

from __future__ import annotations

import argparse

from reviewer.commands.common import print_json, run_apply, stdout


def cmd_apply(args: argparse.Namespace) -> int:
    from reviewer.output.listing import apply_table, apply_to_json, inert

    _opened, out = run_apply(args.source, args.tree, args.base, fuzzy=args.fuzzy)
    if args.json:
        print_json({"series": [{"title": s.title, "revisions": [apply_to_json(r) for r in rs]}
                                for s, rs in out]})
        return 0
    for series, results in out:
        stdout.print(apply_table(series, results))
        for res in results:
            if res.base:
                stdout.print(f"{res.label}: base {res.base.commit[:12]}: {res.base.reason}",
                             markup=False)
            if res.ref:
                stdout.print(f"{res.label}: kept as {res.ref}", markup=False)
            for p in res.patches:
                if p.failure is not None and (p.approximate or not p.status.ok):
                    what = "approximate" if p.approximate else p.status.value
                    stdout.print(inert(f"{res.label} {p.index}/{len(res.patches)} {what}: "
                                       f"{p.failure.reason}"), soft_wrap=True)
    return 0


def cmd_refs(args: argparse.Namespace) -> int:
    from reviewer.tree.gitrepo import REF_NAMESPACE, GitRepo

    repo = GitRepo(args.tree)
    if args.delete:
        stdout.print(f"deleted {repo.delete_refs()} ref(s) under {REF_NAMESPACE}", markup=False)
        return 0
    for name, sha in sorted(repo.refs().items()):
        stdout.print(f"{sha[:12]} {name}", markup=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("apply", help="apply every revision to a git tree, isolated from "
                        "its checkout")
    sp.set_defaults(func=cmd_apply)
    sp.add_argument("source")
    sp.add_argument("--tree", required=True, help="the kernel git tree")
    sp.add_argument("--base", help="base commit for revisions without a usable base-commit")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--fuzzy", action="store_true",
                    help="retry a patch that does not apply with reduced context (git apply -C1);"
                    " what applies that way is marked approximate")

    sp = sub.add_parser("refs", help="list (or --delete) the refs/reviewer/ refs apply wrote")
    sp.set_defaults(func=cmd_refs)
    sp.add_argument("--tree", required=True)
    sp.add_argument("--delete", action="store_true")
