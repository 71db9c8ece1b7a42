"""Turn results into JSON-ready data and Rich tables.  The JSON shapes are
documented in docs/json.md and are stable: fields are only ever added."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from reviewer.compare.carried import carried_trailers
from reviewer.mail.trailers import GivenTrailer, TrailerCounts, given_trailers, trailer_counts
from reviewer.model import ApplyResult, PatchStatus, Revision, Series

__all__ = ["apply_table", "apply_to_json", "given_trailer_json", "revisions_table",
           "series_to_json", "trailers_json"]

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
    return " ".join(f for f, on in (("RFC", rev.rfc), ("RESEND", rev.resend)) if on)


def given_trailer_json(t: GivenTrailer) -> dict[str, Any]:
    return {"name": t.name, "who": str(t.who), "msgid": t.msgid, "version": t.version,
            "patch": t.patch, "condition": t.condition}


def trailers_json(counts: TrailerCounts, given: tuple[GivenTrailer, ...] | None = None
                  ) -> dict[str, Any]:
    """A·R·T counts, and the trailers themselves when given."""
    out: dict[str, Any] = {"acked": counts.acked, "reviewed": counts.reviewed,
                           "tested": counts.tested}
    if given is not None:
        out["given"] = [given_trailer_json(t) for t in given]
    return out


def _carried_json(rev: Revision, after: Revision | None) -> list[dict[str, Any]]:
    """Each trailer given on `rev`, per patch, in the revision after it."""
    return [{"msgid": c.trailer.msgid, "name": c.trailer.name, "who": str(c.trailer.who),
             "old_patch": c.old_patch, "new_patch": c.new_patch, "status": c.status}
            for c in carried_trailers(rev, after)]


def revision_to_json(rev: Revision, after: Revision | None = None) -> dict[str, Any]:
    """`after`: the next revision of the series, for whether it carried the
    trailers given on this one."""
    given = given_trailers(rev)
    return {
        "version": rev.version,
        "label": rev.label,
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
        "trailers": {**trailers_json(trailer_counts(given), given),
                     "carried": _carried_json(rev, after)},
    }


def series_to_json(series: Series) -> dict[str, Any]:
    revs = series.revisions
    return {"title": series.title,
            "revisions": [revision_to_json(r, revs[i + 1] if i + 1 < len(revs) else None)
                          for i, r in enumerate(revs)]}


def revisions_table(series: Series) -> Table:
    table = Table(title=inert(series.title), title_justify="left", expand=False)
    for col in ("rev", "flags", "patches", "cover", "replies", "A·R·T", "base", "linked by"):
        table.add_column(col)
    for rev in series.revisions:
        count = f"{len(rev.patches)}/{rev.expected}"
        if rev.missing:
            count += f" (missing {','.join(map(str, rev.missing))})"
        link = "-" if rev.link is None else f"{rev.link.reason} ({rev.link.confidence:.2f})"
        table.add_row(
            rev.label, _flags(rev), Text(count, style="red" if rev.missing else ""),
            "yes" if rev.cover else "-", str(len(rev.replies)),
            str(trailer_counts(given_trailers(rev))), (rev.base_commit or "-")[:12], link,
        )
    return table


def apply_to_json(result: ApplyResult) -> dict[str, Any]:
    return {
        "version": result.version,
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
        table.add_row(f"v{res.version}", base, source, *cells, _summary(res))
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
