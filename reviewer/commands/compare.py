"""`reviewer compare` (one revision against another: range-diff, API surface,
findings, review concerns) and `reviewer b4-check` (one patch mail for
`b4 review`'s external check protocol)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from reviewer.commands.common import print_json, progress, stdout

_STATUS_STYLE = {"addressed": "green", "open": "bold red", "unclear": "yellow"}
_QUOTE_SHOWN = 4  # quoted lines shown per concern (the ones closest to the words)
_WORDS_SHOWN = 3  # lines of the reviewer's words shown per concern


def _inert(text: str, style: str = "") -> Text:
    """Mail and diff text shown as plain characters, line by line."""
    from reviewer.output.listing import inert

    out = Text("\n").join(inert(line) for line in text.split("\n"))
    out.stylize(style)
    return out


def _api_lines(c: Any) -> list[tuple[str, str, str]]:
    """(label, line, style) of the API section, shared by text and Markdown."""
    api = c.api
    out: list[tuple[str, str, str]] = []
    for side in (api.old, api.new):
        label = f"{side.label} ({side.level} level)"
        if not side.changes:
            out.append((label, "no API change relative to its base", "dim"))
        for change in side.changes:
            where = f" [patch {change.patch}]" if change.patch else ""
            out.append((label, change.describe() + where, ""))
    if api.same:
        out.append((f"{c.old} → {c.new}", "neither changes the API" if not api.kept
                     else "the same API changes", "dim"))
    out += [(f"{c.new} no longer", x.describe(), "green") for x in api.dropped]
    out += [(f"new in {c.new}", x.describe(), "yellow") for x in api.introduced]
    return out


def _finding_line(f: Any) -> str:
    from reviewer.output.report import finding_location

    return f"{finding_location(f)}: {f.rule_id} [{f.severity.value}] {f.message}"


def _findings_lines(c: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for title, style, items, checked in (
            (f"fixed since {c.old}", "green", list(c.fixed), c.old_checked),
            ("gone with their patches (not fixed)", "dim", list(c.gone), c.old_checked),
            (f"new in {c.new}", "red", list(c.new_findings), c.new_checked),
            ("persisting", "yellow", [n for _o, n in c.persisting], True)):
        out.append((f"{title} ({len(items)})" + ("" if checked else ": not checked"), style))
        out += [("  " + _finding_line(f), "") for f in items]
    return out


def _concern_head(x: Any) -> str:
    where = "the cover letter" if x.patch == 0 else f"patch {x.patch}"
    quoted = {"diff": f"quotes {x.file}", "message": "quotes the commit message",
              "cover": "quotes the cover letter", "reply": "quotes another reply",
              "none": "no quote"}[x.quote_kind]
    return f"[{x.status}] {x.reviewer.name or x.reviewer.email} on {where} ({quoted})"


def _concern_body(x: Any) -> list[str]:
    lines = [f"> {q}" for q in x.quoted[-_QUOTE_SHOWN:]]
    words = [w for w in x.words.splitlines() if w.strip()]
    lines += words[:_WORDS_SHOWN] + (["…"] if len(words) > _WORDS_SHOWN else [])
    lines += [f"· {e.kind}: {e.detail}" for e in x.evidence] or ["· no evidence either way"]
    return lines


def to_text(c: Any, title: str, trees: list[str]) -> RenderableType:
    parts: list[RenderableType] = [_inert(f"Compare {c.old} → {c.new}: {title}", "bold")]
    parts += [_inert(line, "yellow" if "diffs alone" in line else "dim") for line in trees]
    parts.append("")
    parts.append(Text(f"Patches ({c.range_diff_note})", style="bold"))
    for p in c.pairs:
        old = "-" if p.old is None else f"{c.old} {p.old}"
        new = "-" if p.new is None else f"{c.new} {p.new}"
        parts.append(_inert(f"  {old:>7} → {new:<7} {p.status:8} {p.title}  ({p.by})"))
    parts += ["", Text("API surface (each revision against its base)", style="bold")]
    shown = ""
    for label, line, style in _api_lines(c):
        head = f"{label}: " if label != shown else " " * (len(label) + 2)
        parts.append(_inert(f"  {head}{line}", style))
        shown = label
    parts += ["", Text("Findings (by fingerprint)", style="bold")]
    parts += [_inert("  " + line, style) for line, style in _findings_lines(c)]
    counts = c.concern_counts()
    parts += ["", Text(f"Review concerns on {c.old}, in {c.new}: " +
                       ", ".join(f"{n} {s}" for s, n in counts.items()), style="bold")]
    for x in c.concerns:
        parts.append(_inert("  " + _concern_head(x), _STATUS_STYLE[x.status]))
        parts += [_inert("      " + line, "dim" if line.startswith(">") else "")
                  for line in _concern_body(x)]
    if c.range_diff:
        parts += ["", Text("Range-diff", style="bold"), _inert(c.range_diff.rstrip("\n"))]
    return Group(*parts)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(c: Any, title: str, trees: list[str]) -> str:
    out = [f"# Compare {c.old} → {c.new}: {_md(title)}\n",
           *(f"> {_md(line)}\n" for line in trees), f"## Patches\n\n{c.range_diff_note}\n",
           f"| {c.old} | {c.new} | status | title | paired by |", "|---|---|---|---|---|"]
    out += [f"| {p.old or '-'} | {p.new or '-'} | {p.status} | {_md(p.title)} | {p.by} |"
            for p in c.pairs]
    out += ["", "## API surface\n"]
    out += [f"- **{label}**: {_md(line)}" for label, line, _s in _api_lines(c)]
    out += ["", "## Findings\n"]
    out += [("- " if not line.startswith("  ") else "  - ") + _md(line.strip())
            for line, _s in _findings_lines(c)]
    out += ["", f"## Review concerns on {c.old}\n"]
    for x in c.concerns:
        out.append(f"### {_md(_concern_head(x))}\n")
        out += ["> " + q for q in x.quoted[-_QUOTE_SHOWN:]] + [""] if x.quoted else []
        out += [x.words.strip(), ""]
        out += [f"- **{e.kind}**: {_md(e.detail)}" for e in x.evidence] + [""]
    if c.range_diff:
        out += ["## Range-diff\n", "```", c.range_diff.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


def cmd_compare(args: argparse.Namespace) -> int:
    from reviewer.compare.comparison import compare_revisions, comparison_to_json
    from reviewer.config import load_config
    from reviewer.errors import ReviewerError
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
    sp = sub.add_parser("compare", help="compare two revisions: range-diff, API surface, "
                        "findings and what became of the review comments")
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
