"""Words for the triage matrix: what a cell means and what Enter opens.
Errors (a revision that does not apply, a skipped check) are explained here,
in place, rather than raised.  No Textual here."""

from __future__ import annotations

from rich.text import Text

import reviewer
from tui.render import (
    ATTEST_LEGEND,
    ATTEST_MARK,
    SEVERITY_STYLE,
    clean,
    finding_text,
    inert,
    revision_signatures,
)
from tui.session import Key, Session


def _family(rule_id: str) -> str:
    return rule_id.rstrip("0123456789")


def _apply_detail(session: Session, key: Key) -> Text:
    result = session.applies.get(key)
    if result is None:
        return Text(session.apply_state(key), style="dim")
    if result.error:
        return inert(f"not applied: {result.error}", "red")
    out = Text()
    if result.base:
        out.append_text(inert(f"base {result.base.label} ({result.base.commit[:12]}), "
                              f"{result.base.evidence}. "))
    if result.applied:
        out.append(f"all {len(result.patches)} patches apply", style="green")
        if result.ref:
            out.append_text(inert(f" → {result.ref}", "dim"))
        return out
    failed = result.failed
    if failed is not None:
        reason = failed.failure.reason if failed.failure else "git apply failed"
        out.append_text(inert(f"patch {failed.index}/{len(result.patches)} does not apply: "
                              f"{reason}. ", "bold red"))
    out.append("Findings come from the diffs alone. ", style="yellow")
    if result.advice:
        out.append_text(inert("Try: " + "; ".join(result.advice) + ". ", "dim"))
    if failed is not None:
        out.append("Enter: open it", style="dim")
    return out


def _base_detail(session: Session, key: Key) -> Text:
    result = session.applies.get(key)
    if result is None:
        return Text(session.apply_state(key), style="dim")
    base = result.base
    if base is None:
        return inert(f"no base found: {result.error or 'nothing in the mails names one'}",
                     "red")
    out = inert(f"base {base.label} ({base.commit[:12]}): {base.evidence or base.source}. ")
    if base.reason != base.evidence:
        out.append_text(inert(base.reason, "dim"))
    return out


def _trailers_detail(session: Session, key: Key) -> Text:
    given = reviewer.given_trailers(session.revision(key))
    out = Text(f"Acked·Reviewed·Tested given: {session.trailers(key)}. ")
    for t in given:
        where = "the cover letter" if t.patch == 0 else f"patch {t.patch}"
        cond = f" (if: {t.condition})" if t.condition else ""
        out.append_text(inert(f"{t} on {where}{cond}; ", "magenta"))
    return out.append("  Enter: read the thread", style="dim")


def finished_status(applied: int, checked: int, not_applied: int) -> Text:
    """The status line once the work is done: how many revisions applied,
    and which findings only come from the diffs (never green then)."""
    if not applied and not not_applied:
        return Text(f"{checked} revision(s) checked on their diffs alone (no tree given): "
                    "diff-level findings only", style="bold yellow")
    if not not_applied:
        return Text(f"{checked} revision(s) applied and checked", style="green")
    tried = applied + not_applied
    head = "no revision applied" if not applied else f"{applied} of {tried} revision(s) applied"
    return Text(f"{head}: {not_applied} checked on their diffs alone; {checked} checked "
                "(apply column: why, Enter: the patch)", style="bold red" if not applied
                else "bold yellow")


def _family_detail(session: Session, key: Key, family: str) -> Text:
    report = session.reports.get(key)
    if report is None:
        return Text("not checked yet" if session.state in ("loading", "applying", "checking")
                    else f"not checked (work {session.state})", style="dim")
    outcomes = [o for o in report.outcomes if _family(o.rule_id) == family]
    if not outcomes:
        return Text(f"no {family} rules are selected or registered", style="dim")
    found = [f for f in session.findings(key) if _family(f.rule_id) == family]
    out = Text(f"{family}: {len(outcomes)} rules, {len(found)} findings. ")
    for o in outcomes:
        if o.status != "ran":
            out.append_text(inert(f"{o.rule_id} {o.status}: {o.reason}. ",
                                  "magenta" if o.status == "error" else "dim"))
    if found:
        out.append_text(finding_text(found[0], with_location=True))
        out.append("  Enter: open the first one", style="dim")
    return out


def _severity_detail(session: Session, key: Key, severity: reviewer.Severity) -> Text:
    found = [f for f in session.findings(key) if f.severity is severity]
    if key not in session.reports:
        return Text("not checked yet", style="dim")
    out = Text(f"{len(found)} {severity.value} finding(s). ", style=SEVERITY_STYLE[severity])
    if found:
        out.append_text(finding_text(found[0], with_location=True))
        out.append("  Enter: open the first one", style="dim")
    return out


def _shown_attestation(session: Session, key: Key) -> tuple[int, reviewer.Attestation] | None:
    """The mail (index, 0: the cover) whose signature the row's mark tells."""
    mails = revision_signatures(session.attested.get(key, {}))
    return mails[0] if mails else None


def _attest_detail(session: Session, key: Key) -> Text:
    found = session.attested.get(key)
    if found is None:
        problem = session.attest_problem
        return Text(f"signatures not checked: {problem}" if problem
                    else "checking the signatures…", style="dim")
    counts: dict[str, int] = {}
    for k, att in sorted(found.items()):
        if k > 0:
            counts[att.status.value] = counts.get(att.status.value, 0) + 1
    rev = session.revision(key)
    out = Text(f"patches: {', '.join(f'{n} {st}' for st, n in counts.items()) or 'none'}. ")
    shown = _shown_attestation(session, key)
    if shown is not None:
        k, att = shown
        mark, style = ATTEST_MARK[att.status]
        where = "cover" if k == 0 else f"{k}/{rev.expected}"
        details = "; ".join(sig.detail for sig in att.signatures)
        out.append_text(inert(f"{mark} {where}: {att.summary}" + (f" ({details})" if details
                                                                 else "") + ". ", style))
        out.append("Enter: open it. ", style="dim")
    return out.append(ATTEST_LEGEND, style="dim")


def cell_detail(session: Session, key: Key, column: str) -> Text:
    rev = session.revision(key)
    if column == "apply":
        return _apply_detail(session, key)
    if column == "sig":
        return _attest_detail(session, key)
    if column == "base":
        return _base_detail(session, key)
    if column == "trailers":
        return _trailers_detail(session, key)
    if column in session.families:
        return _family_detail(session, key, column)
    severities = {s.value: s for s in reviewer.Severity}
    if column in severities:
        return _severity_detail(session, key, severities[column])
    if column == "patches":
        out = Text(f"{len(rev.patches)} of {rev.expected} patches")
        if rev.missing:
            out.append(f"; missing {', '.join(map(str, rev.missing))}", style="bold red")
        if rev.duplicates:
            out.append(f"; sent twice: {', '.join(map(str, rev.duplicates))}", style="yellow")
        return out.append("  Enter: read the thread", style="dim")
    if column == "replies":
        names = sorted({clean(r.message.sender.name or r.message.sender.email)
                        for r in rev.replies})
        out = Text(f"{len(rev.replies)} replies" + (f" from {', '.join(names)}" if names else ""))
        return out.append("  Enter: read them", style="dim")
    out = inert(f"{rev.label}: {rev.title} — {rev.sender}, "
                f"{rev.first_message.date:%Y-%m-%d}")
    if rev.link is not None:
        out.append_text(inert(f" (follows the previous revision by {rev.link.reason}, "
                              f"{rev.link.confidence:.0%})", "dim"))
    return out.append("  Enter: read the thread", style="dim")


def cell_target(session: Session, key: Key, column: str
                ) -> tuple[str, int, reviewer.Finding | None] | str:
    """What Enter on a cell opens: ("patch", index, finding), ("thread", 0,
    None), or a sentence saying why there is nothing to open."""
    rev = session.revision(key)
    if column == "apply":
        result = session.applies.get(key)
        if not rev.patches:
            return f"{rev.label} has no patches"
        failed = result.failed if result else None
        return ("patch", failed.index if failed else rev.patches[0].index, None)
    if column == "sig":
        shown = _shown_attestation(session, key)
        return ("patch", shown[0], None) if shown else f"{rev.label}: no signatures checked yet"
    families = session.families
    severities = {s.value for s in reviewer.Severity}
    if column in families or column in severities:
        found = [f for f in session.findings(key)
                 if (_family(f.rule_id) == column if column in families
                     else f.severity.value == column)]
        if key not in session.reports:
            return f"{rev.label} is not checked yet"
        if not found:
            return f"no {column} findings in {rev.label}"
        first = found[0]
        home = 0 if rev.cover is not None or not rev.patches else rev.patches[0].index
        return ("patch", first.patch or home, first)
    return ("thread", 0, None)
