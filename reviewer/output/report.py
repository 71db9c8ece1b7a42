"""The check report: a revision × rule summary, then every finding, as text
(Rich), JSON (stable, documented in docs/json.md) or Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from reviewer.checks.engine import RevisionReport
from reviewer.checks.registry import Rule
from reviewer.mail.trailers import TrailerCounts, given_trailers, trailer_counts
from reviewer.model import Finding, Series, Severity
from reviewer.output.listing import (
    apply_to_json,
    inert,
    mail_notes,
    mail_notes_to_json,
    not_applied_note,
    trailers_json,
)

__all__ = ["SCHEMA_VERSION", "SeriesReport", "exit_code", "finding_location", "level_notes",
           "to_json", "to_markdown", "to_text"]

SCHEMA_VERSION = 1
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


@dataclass(frozen=True)
class SeriesReport:
    series: Series
    revisions: tuple[RevisionReport, ...]


def worst(findings: tuple[Finding, ...] | list[Finding]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def exit_code(reports: list[SeriesReport], fail_on: Severity) -> int:
    """1 when any finding is at or above `fail_on`, else 0."""
    found = [f for r in reports for rev in r.revisions for f in rev.findings]
    return int(any(f.severity.rank >= fail_on.rank for f in found))


def counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    return {s.value: sum(f.severity is s for f in findings) for s in Severity}


def _trailers(rep: SeriesReport, rev: RevisionReport) -> TrailerCounts:
    """A·R·T given in replies to the revision the report is about."""
    mine = next((r for r in rep.series.revisions if r.label == rev.label), None)
    return trailer_counts(given_trailers(mine) if mine is not None else ())


def finding_to_json(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule_id, "severity": f.severity.value, "message": f.message,
            "version": f.version, "revision": f.label, "patch": f.patch,
            "patches": list(f.patches or ((f.patch,) if f.patch else ())),
            "file": f.file, "line": f.line, "level": f.level, "fingerprint": f.fingerprint,
            "approximate": f.approximate}


def to_json(reports: list[SeriesReport], rules: list[Rule], source: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "source": source,
        "rules": [{"id": r.id, "name": r.name, "severity": r.severity.value,
                   "scope": r.scope.value, "version": r.version} for r in rules],
        "series": [{
            "title": rep.series.title,
            "revisions": [{
                "version": rev.version,
                "label": rev.label,
                "order": rev.order,
                "approximate": bool(rev.apply and rev.apply.approximate),
                "level": "diff" if not_applied_note(rev.apply) else "tree",
                "level_reason": not_applied_note(rev.apply),
                "apply": apply_to_json(rev.apply) if rev.apply else None,
                "counts": counts(rev.findings),
                "trailers": trailers_json(_trailers(rep, rev)),
                "rules": {o.rule_id: {"status": o.status, "level": o.level, "reason": o.reason,
                                      "cached": o.cached} for o in rev.outcomes},
                "findings": [finding_to_json(f) for f in rev.findings],
                "mail_notes": mail_notes_to_json(revision),
            } for revision, rev in zip(rep.series.revisions, rep.revisions, strict=False)],
        } for rep in reports],
    }


def _cell(rev: RevisionReport, rule: Rule) -> Text:
    outcome = rev.outcome(rule.id)
    if outcome is None:
        return Text("")
    if outcome.status != "ran":
        return Text(outcome.status, style="dim" if outcome.status == "skipped" else "magenta")
    mine = [f for f in rev.findings if f.rule_id == rule.id]
    if not mine:
        return Text("·", style="green")
    sev = worst(mine)
    return Text(str(len(mine)), style=SEVERITY_STYLE[sev] if sev else "")


def _column(rev: RevisionReport) -> str:
    """A revision's column head: marked when its tree is a guess or absent."""
    if rev.apply is not None and not rev.apply.applied:
        return f"{rev.label} (not applied)"
    return rev.label + (" (approx.)" if rev.apply is not None and rev.apply.approximate else "")


def level_notes(rep: SeriesReport) -> list[str]:
    """Which revisions were checked on their diffs alone, and why: one line
    for a run without a tree, else one per revision that did not apply."""
    if all(rev.apply is None for rev in rep.revisions):
        return ["no --tree given: every finding comes from the diffs alone"]
    return [f"{rev.label}: {note}" for rev in rep.revisions
            if (note := not_applied_note(rev.apply))]


def _summary_table(rep: SeriesReport, rules: list[Rule]) -> Table:
    table = Table(title=inert(rep.series.title), title_justify="left")
    table.add_column("rule")
    for rev in rep.revisions:
        table.add_column(_column(rev), justify="center")
    for rule in rules:
        table.add_row(f"{rule.id} {rule.name}", *(_cell(rev, rule) for rev in rep.revisions))
    table.add_row("A·R·T given in replies", *(Text(str(_trailers(rep, rev)), style="dim")
                                             for rev in rep.revisions))
    return table


def patch_span(indexes: tuple[int, ...] | list[int]) -> str:
    """`1-4,7`: patch indexes with runs shortened."""
    runs: list[list[int]] = []
    for k in sorted(set(indexes)):
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def finding_location(f: Finding) -> str:
    """Where a finding is: `v3 1 fs/namei.c:116`, `v3 1-8` for one cause
    covering several patches."""
    where = f.label
    if f.patch:
        where += f" {patch_span(f.patches or (f.patch,))}"
    if f.file:
        where += f" {f.file}" + (f":{f.line}" if f.line else "")
    return where


LEGEND = ("· no finding; N findings (coloured by the worst); skipped/error: the rule did not "
          "run (why below); (not applied): findings from the diffs alone; (approx.): applied "
          "with fuzz; A·R·T: Acked-by·Reviewed-by·Tested-by given in replies; a finding is "
          "`revision patch(es) file:line: RULE [severity] message`, (tree) when found on the "
          "applied tree")


def to_text(reports: list[SeriesReport], rules: list[Rule]) -> RenderableType:
    parts: list[RenderableType] = []
    for rep in reports:
        parts.append(_summary_table(rep, rules))
        parts.append(Text(LEGEND, style="dim"))
        parts += [inert(note, "bold yellow") for note in level_notes(rep)]
        for revision, rev in zip(rep.series.revisions, rep.revisions, strict=False):
            parts.extend(mail_notes(revision))
            for o in rev.outcomes:
                if o.status != "ran":
                    parts.append(inert(f"{rev.label} {o.rule_id} {o.status}: {o.reason}",
                                       "dim"))
            for f in rev.findings:
                line = Text()
                line.append_text(inert(f"{finding_location(f)}: ", "bold"))  # a path from the mail
                line.append(f"{f.rule_id} ", style=SEVERITY_STYLE[f.severity])
                line.append(f"[{f.severity.value}] ")
                line.append_text(inert(f.message))
                if f.level == "tree":
                    line.append(" (tree, approximate)" if f.approximate else " (tree)",
                                style="yellow" if f.approximate else "dim")
                parts.append(line)
    return Group(*parts)


def _md(text: str) -> str:
    return inert(text).plain.replace("|", "\\|").replace("\n", " ")


def to_markdown(reports: list[SeriesReport], rules: list[Rule]) -> str:
    out: list[str] = []
    for rep in reports:
        out.append(f"## {_md(rep.series.title)}\n")
        out.append("| rule | " + " | ".join(_column(r) for r in rep.revisions) + " |")
        out.append("|---|" + "---|" * len(rep.revisions))
        for rule in rules:
            cells = [_cell(rev, rule).plain for rev in rep.revisions]
            out.append(f"| {rule.id} {rule.name} | " + " | ".join(cells) + " |")
        out.append("| A·R·T given in replies | "
                   + " | ".join(str(_trailers(rep, rev)) for rev in rep.revisions) + " |")
        out.append("")
        out.append(f"<sub>{_md(LEGEND)}</sub>\n")
        out += [f"> **{_md(note)}**\n" for note in level_notes(rep)]
        for revision, rev in zip(rep.series.revisions, rep.revisions, strict=False):
            notes = [line.plain for line in mail_notes(revision)]
            if not rev.findings and not notes:
                continue
            out.append(f"### {rev.label}\n")
            out += [f"- {_md(note)}" for note in notes]
            for f in rev.findings:
                out.append(f"- **{f.rule_id}** ({f.severity.value}) `{_md(finding_location(f))}`: "
                           f"{_md(f.message)}" + (" *(approximate)*" if f.approximate else ""))
            out.append("")
    return "\n".join(out) + "\n"
