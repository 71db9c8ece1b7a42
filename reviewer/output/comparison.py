"""`reviewer compare` as text (Rich) and Markdown: pairing and interdiff,
API surface, findings, the reviewers' requests with their verdicts and
evidence, the bots' reports, and the trailers given and carried."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.text import Text

from reviewer.compare.bots import BotReport
from reviewer.compare.carried import CarriedTrailer
from reviewer.compare.comparison import Comparison
from reviewer.compare.requests import Request
from reviewer.model import BotStatus, CarryStatus, Finding, QuoteKind, Verdict
from reviewer.output.listing import inert
from reviewer.output.report import finding_location

__all__ = ["CompareSection", "compare_sections", "to_markdown", "to_text"]

VERDICT_STYLE = {Verdict.ADDRESSED: "green", Verdict.OPEN: "bold red",
                 Verdict.REJECTED: "cyan", Verdict.SUPERSEDED: "blue",
                 Verdict.UNKNOWN: "dim", Verdict.UNCLEAR: "yellow"}
BOT_STYLE = {BotStatus.FIXED: "green", BotStatus.NOT_FIXED: "bold red",
             BotStatus.NO_NEXT: "dim", BotStatus.NOT_APPLICABLE: "dim",
             BotStatus.UNCLEAR: "yellow"}
CARRY_STYLE = {CarryStatus.CARRIED: "green", CarryStatus.MISSING: "bold red",
               CarryStatus.PATCH_CHANGED: "cyan", CarryStatus.PATCH_DROPPED: "dim",
               CarryStatus.NO_NEXT: "dim"}
_QUOTE_SHOWN = 4  # quoted lines shown per request (the ones closest to the words)
_WORDS_SHOWN = 3  # lines of the reviewer's words shown per request
_QUOTED = {QuoteKind.MESSAGE: "quotes the commit message", QuoteKind.COVER:
           "quotes the cover letter", QuoteKind.REPLY: "quotes another reply",
           QuoteKind.NONE: "no quote"}


def _lines(text: str, style: str = "") -> Text:
    """Mail and diff text shown as plain characters, line by line."""
    out = Text("\n").join(inert(line) for line in text.split("\n"))
    out.stylize(style)
    return out


def _api_lines(c: Comparison) -> list[tuple[str, str, str]]:
    """(label, line, style) of the API section, shared by text and Markdown."""
    va, vb = c.old, c.new  # the revisions' labels
    api = c.api
    if api is None:
        return []
    out: list[tuple[str, str, str]] = []
    for side in (api.old, api.new):
        label = f"{side.label or f'v{side.version}'} ({side.level} level)"
        if not side.changes:
            out.append((label, "no API change relative to its base", "dim"))
        for change in side.changes:
            where = f" [patch {change.patch}]" if change.patch else ""
            out.append((label, change.describe() + where, ""))
    if api.same:
        out.append((f"{va} → {vb}", "neither changes the API" if not api.kept
                     else "the same API changes", "dim"))
    out += [(f"{vb} no longer", x.describe(), "green") for x in api.dropped]
    out += [(f"new in {vb}", x.describe(), "yellow") for x in api.introduced]
    return out


def _finding_line(f: Finding) -> str:
    return f"{finding_location(f)}: {f.rule_id} [{f.severity.value}] {f.message}"


def _findings_lines(c: Comparison) -> list[tuple[str, str]]:
    va, vb = c.old, c.new  # the revisions' labels
    out: list[tuple[str, str]] = []
    for title, style, items, checked in (
            (f"fixed since {va}", "green", list(c.fixed), c.old_checked),
            ("gone with their patches (not fixed)", "dim", list(c.gone), c.old_checked),
            (f"new in {vb}", "red", list(c.new_findings), c.new_checked),
            ("persisting", "yellow", [n for _o, n in c.persisting], True)):
        out.append((f"{title} ({len(items)})" + ("" if checked else ": not checked"), style))
        out += [("  " + _finding_line(f), "") for f in items]
    return out


def _where(patch: int) -> str:
    return "the cover letter" if patch == 0 else f"patch {patch}"


def _request_head(x: Request) -> str:
    quoted = f"quotes {x.file}" if x.quote_kind is QuoteKind.DIFF else _QUOTED[x.quote_kind]
    return f"[{x.verdict}] {x.reviewer.name or x.reviewer.email} on {_where(x.patch)} ({quoted})"


def _request_body(x: Request) -> list[str]:
    lines = [f"> {q}" for q in x.quoted[-_QUOTE_SHOWN:]]
    words = [w for w in x.words.splitlines() if w.strip()]
    lines += words[:_WORDS_SHOWN] + (["…"] if len(words) > _WORDS_SHOWN else [])
    lines += [f"· {e.kind}: {e.detail}" for e in x.evidence] or ["· no evidence either way"]
    return lines


def _bot_head(b: BotReport) -> str:
    return f"[{b.status}] {b.bot.name or b.bot.email} on {_where(b.patch)}: {b.kind}: {b.summary}"


def _trailer_line(t: CarriedTrailer) -> str:
    cond = f" (if: {t.trailer.condition})" if t.trailer.condition else ""
    return f"[{t.status}] {t.trailer} on patch {t.old_patch}{cond}: {t.detail}"


def _counts(c: Comparison) -> str:
    va, vb = c.old, c.new  # the revisions' labels
    return f"A·R·T given: {va} {c.trailer_totals[0]}, {vb} {c.trailer_totals[1]}"


def _tally(items: list[str]) -> str:
    return ", ".join(f"{items.count(k)} {k}" for k in dict.fromkeys(items)) or "none"


@dataclass(frozen=True)
class CompareSection:
    """One part of a comparison as styled lines, as `reviewer compare` prints
    it and the TUI shows it."""

    key: str  # "api", "findings", "requests", "bots" or "trailers"
    title: str
    lines: tuple[tuple[str, str], ...]  # (text, Rich style), mail text not yet made inert


def _api_section(c: Comparison) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    shown = ""
    for label, line, style in _api_lines(c):
        head = f"{label}: " if label != shown else " " * (len(label) + 2)
        out.append((f"  {head}{line}", style))
        shown = label
    return out


def _requests_section(c: Comparison) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for x in c.requests:
        out.append(("  " + _request_head(x), VERDICT_STYLE[x.verdict]))
        out += [("      " + line, "dim" if line.startswith(">") else "")
                for line in _request_body(x)]
    return out


def _bots_section(c: Comparison) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for b in c.bot_reports:
        out += [("  " + _bot_head(b), BOT_STYLE[b.status]), ("      · " + b.evidence, "")]
    return out


def compare_sections(c: Comparison) -> tuple[CompareSection, ...]:
    """The requests with their verdicts and evidence first (what a
    maintainer asks of a new revision), then the bots' reports, the API
    surface, the trailers given and carried, and the findings."""
    va, vb = c.old, c.new  # the revisions' labels
    return (
        CompareSection("requests", f"Requests on {va}, in {vb}: "
                       + _tally([r.verdict.value for r in c.requests]),
                       tuple(_requests_section(c))),
        CompareSection("bots", f"Bot reports on {va}: "
                       + _tally([b.status.value for b in c.bot_reports]),
                       tuple(_bots_section(c))),
        CompareSection("api", "API surface (each revision against its base)",
                       tuple(_api_section(c))),
        CompareSection("trailers", f"Trailers given on {va}, in {vb}: "
                       + _tally([t.status.value for t in c.trailers]),
                       tuple(("  " + _trailer_line(t), CARRY_STYLE[t.status])
                             for t in c.trailers)),
        CompareSection("findings", "Findings (by fingerprint)",
                       tuple(("  " + line, style) for line, style in _findings_lines(c))),
    )


def to_text(c: Comparison, title: str, trees: Sequence[str] = ()) -> RenderableType:
    """`trees`: what each side was read from (reviewer.output.listing.tree_lines)."""
    va, vb = c.old, c.new  # the revisions' labels
    parts: list[RenderableType] = [_lines(f"Compare {va} → {vb}: {title}", "bold")]
    parts += [_lines(line, "yellow" if "diffs alone" in line else "dim") for line in trees]
    parts += [Text(_counts(c), style="dim"), "",
              Text(f"Patches ({c.range_diff_note})", style="bold")]
    for p in c.pairs:
        old = "-" if p.old is None else f"{va} {p.old}"
        new = "-" if p.new is None else f"{vb} {p.new}"
        parts.append(_lines(f"  {old:>7} → {new:<7} {p.status:8} {p.title}  ({p.by})"))
    sections = {s.key: s for s in compare_sections(c)}
    for key in ("api", "findings", "requests", "bots", "trailers"):  # the CLI's order
        parts += ["", Text(sections[key].title, style="bold")]
        parts += [_lines(line, style) for line, style in sections[key].lines]
    if c.interdiffs:
        parts += ["", Text("Interdiff (no applied commits: the diff of each pair's diffs)",
                           style="bold")]
        for d in c.interdiffs:
            parts += [_lines(d.text), ""]
    if c.range_diff:
        parts += ["", Text("Range-diff", style="bold"), _lines(c.range_diff.rstrip("\n"))]
    return Group(*parts)


def _md(text: str) -> str:
    return inert(text.replace("\n", " ")).plain.replace("|", "\\|")


def _plain(text: str) -> str:
    """Mail text for a Markdown block: controls made visible, lines kept."""
    return "\n".join(inert(line).plain for line in text.split("\n"))


def to_markdown(c: Comparison, title: str, trees: Sequence[str] = ()) -> str:
    va, vb = c.old, c.new  # the revisions' labels
    out = [f"# Compare {va} → {vb}: {_md(title)}\n",
           *(f"> {_md(line)}\n" for line in trees), f"{_counts(c)}\n",
           f"## Patches\n\n{c.range_diff_note}\n",
           f"| {va} | {vb} | status | title | paired by |", "|---|---|---|---|---|"]
    out += [f"| {p.old or '-'} | {p.new or '-'} | {p.status} | {_md(p.title)} | {p.by} |"
            for p in c.pairs]
    out += ["", "## API surface\n"]
    out += [f"- **{label}**: {_md(line)}" for label, line, _s in _api_lines(c)]
    out += ["", "## Findings\n"]
    out += [("- " if not line.startswith("  ") else "  - ") + _md(line.strip())
            for line, _s in _findings_lines(c)]
    out += ["", f"## Requests on {va}\n"]
    for x in c.requests:
        out.append(f"### {_md(_request_head(x))}\n")
        out += ["> " + _md(q) for q in x.quoted[-_QUOTE_SHOWN:]] + [""] if x.quoted else []
        out += [_plain(x.words.strip()), ""]
        out += [f"- **{e.kind}**: {_md(e.detail)}" for e in x.evidence] + [""]
    out += ["", f"## Bot reports on {va}\n"]
    out += [f"- **{b.status}** {_md(_bot_head(b))} — {_md(b.evidence)}" for b in c.bot_reports]
    out += ["", f"## Trailers given on {va}\n"]
    out += [f"- {_md(_trailer_line(t))}" for t in c.trailers]
    if c.interdiffs:
        out += ["", "## Interdiff\n", "```diff"]
        out += [_plain(d.text) for d in c.interdiffs] + ["```"]
    if c.range_diff:
        out += ["", "## Range-diff\n", "```", _plain(c.range_diff.rstrip("\n")), "```"]
    return "\n".join(out) + "\n"
