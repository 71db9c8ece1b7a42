"""Turn results into JSON-ready data and Rich tables.  The JSON shapes are
documented in docs/json.md and are stable: fields are only ever added."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from reviewer.model import ApplyResult, PatchStatus, Revision, Series

__all__ = ["apply_table", "apply_to_json", "revisions_table", "series_to_json"]

STATUS_STYLE = {
    PatchStatus.APPLIED: "green",
    PatchStatus.APPLIED_3WAY: "yellow",
    PatchStatus.ALREADY_APPLIED: "cyan",
    PatchStatus.FAILED: "bold red",
    PatchStatus.NOT_TRIED: "dim",
}


def inert(text: str, style: str = "") -> Text:
    """Mail text shown as plain characters: no markup, no terminal escapes
    (ESC, CSI, OSC and the other controls, bidi overrides: each one \ufffd)."""
    return Text("".join(ch if ch.isprintable() or ch in "\t" else "\ufffd" for ch in text),
                style=style)


def _flags(rev: Revision) -> str:
    return " ".join(f for f, on in (("RFC", rev.rfc), ("RESEND", rev.resend),
                                    ("partial", rev.partial)) if on)


def revision_to_json(rev: Revision) -> dict[str, Any]:
    return {
        "version": rev.version,
        "label": rev.label,
        "order": rev.order,
        "partial": rev.partial,
        "rfc": rev.rfc,
        "resend": rev.resend,
        "title": rev.title,
        "cover": rev.cover.msgid if rev.cover else None,
        "expected": rev.expected,
        "missing": list(rev.missing),
        "duplicates": list(rev.duplicates),
        "base_commit": rev.base_commit,
        "change_id": rev.change_id,
        "link": None if rev.link is None else {
            "reason": rev.link.reason, "confidence": rev.link.confidence,
            "detail": rev.link.detail},
        "patches": [{
            "index": p.index, "total": p.total, "msgid": p.msgid, "subject": p.message.subject.full,
            "author": str(p.author), "files": list(p.paths), "patch_id": p.patch_id,
        } for p in rev.patches],
        "replies": [{
            "msgid": r.message.msgid, "from": str(r.message.sender),
            "date": r.message.date.isoformat(), "answers": r.answers, "patch": r.patch_index,
        } for r in rev.replies],
    }


def series_to_json(series: Series) -> dict[str, Any]:
    return {"title": series.title, "revisions": [revision_to_json(r) for r in series.revisions]}


def revisions_table(series: Series) -> Table:
    table = Table(title=inert(series.title), title_justify="left", expand=False)
    for col in ("#", "rev", "flags", "patches", "cover", "replies", "base", "linked by"):
        table.add_column(col)
    for rev in series.revisions:
        count = f"{len(rev.patches)}/{rev.expected}"
        if rev.missing:
            count += f" (missing {','.join(map(str, rev.missing))})"
        link = "-" if rev.link is None else f"{rev.link.reason} ({rev.link.confidence:.2f})"
        table.add_row(
            str(rev.order), rev.label, _flags(rev), Text(count, style="red" if rev.missing else ""),
            "yes" if rev.cover else "-", str(len(rev.replies)),
            (rev.base_commit or "-")[:12], link,
        )
    return table


def apply_to_json(result: ApplyResult) -> dict[str, Any]:
    return {
        "version": result.version,
        "label": result.label or f"v{result.version}",
        "applied": result.applied,
        "approximate": result.approximate,
        "base": None if result.base is None else {
            "commit": result.base.commit, "source": result.base.source,
            "reason": result.base.reason},
        "ref": result.ref,
        "tip": result.tip,
        "error": result.error,
        "patches": [{
            "index": p.index, "title": p.title, "status": p.status.value, "commit": p.commit,
            "approximate": p.approximate,
            "failure": None if p.failure is None else {
                "file": p.failure.file, "hunk": p.failure.hunk, "line": p.failure.line,
                "reason": p.failure.reason},
        } for p in result.patches],
    }


def apply_table(series: Series, results: list[ApplyResult]) -> Table:
    """Revisions × patches: one row per revision, one cell per patch."""
    width = max((len(r.patches) for r in results), default=1)
    table = Table(title=inert(series.title), title_justify="left")
    table.add_column("rev")
    table.add_column("base")
    table.add_column("from")
    for k in range(1, width + 1):
        table.add_column(str(k), justify="center")
    table.add_column("result")
    for res in results:
        cells = [Text(_short(p.status) + ("~" if p.approximate else ""),
                      style="yellow" if p.approximate else STATUS_STYLE[p.status])
                 for p in res.patches]
        cells += [Text("")] * (width - len(cells))
        base, source = (res.base.commit[:12], res.base.source) if res.base else ("-", "")
        table.add_row(res.label or f"v{res.version}", base, source, *cells, _summary(res))
    return table


def _short(status: PatchStatus) -> str:
    return {"applied": "ok", "applied-3way": "3way", "already-applied": "dup",
            "failed": "FAIL", "not-tried": "·"}[status.value]


def _summary(res: ApplyResult) -> Text:
    if res.error:
        return inert(res.error, "red")
    if res.applied and res.approximate:
        return Text("applied, approximate (~: reduced context, --fuzzy)", style="yellow")
    if res.applied:
        return Text("applied", style="green")
    failed = res.failed
    reason = failed.failure.reason if failed and failed.failure else "not applied"
    return inert(f"{failed.index if failed else '?'}/{len(res.patches)}: {reason}", "red")
