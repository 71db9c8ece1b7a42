"""A comparison as JSON (the shape is documented in docs/json.md; fields
are only added, `schema` is bumped when one has to change)."""

from __future__ import annotations

from typing import Any

from reviewer.compare.apidiff import ApiSurface, SurfaceChange
from reviewer.compare.bots import BotReport
from reviewer.compare.carried import CarriedTrailer
from reviewer.compare.comparison import Comparison
from reviewer.compare.requests import Request
from reviewer.mail.trailers import TrailerCounts
from reviewer.model import ApplyResult, BotStatus, CarryStatus, Series
from reviewer.output.listing import (
    apply_to_json,
    given_trailer_json,
    not_applied_note,
    trailers_json,
)
from reviewer.output.report import finding_to_json

__all__ = ["SCHEMA_VERSION", "comparison_to_json"]

# 2: `concerns` became `requests` (with `verdict`), bot reports, interdiffs
# and trailers were added, `pairing` "patch-id+subject" became "diff".
SCHEMA_VERSION = 2


def _change_json(c: SurfaceChange) -> dict[str, Any]:
    return {"kind": c.kind, "name": c.name, "file": c.file, "change": c.change,
            "before": c.before, "after": c.after, "patch": c.patch, "note": c.note,
            "text": c.describe()}


def _surface_json(s: ApiSurface) -> dict[str, Any]:
    return {"version": s.version, "label": s.label or f"v{s.version}", "level": s.level,
            "changes": [_change_json(c) for c in s.changes]}


def _request_json(x: Request) -> dict[str, Any]:
    return {"reviewer": str(x.reviewer), "msgid": x.msgid, "answers": x.answers,
            "patch": x.patch, "quote_kind": x.quote_kind, "file": x.file,
            "quoted": list(x.quoted), "words": x.words, "code": x.code, "verdict": x.verdict,
            "evidence": [{"kind": e.kind, "detail": e.detail, "msgid": e.msgid,
                          "against": e.against} for e in x.evidence]}


def _bot_json(b: BotReport) -> dict[str, Any]:
    return {"bot": str(b.bot), "msgid": b.msgid, "answers": b.answers, "patch": b.patch,
            "kind": b.kind, "summary": b.summary, "status": b.status, "evidence": b.evidence,
            "flagged": [{"file": f.file, "line": f.line, "message": f.message, "code": f.code}
                        for f in b.flagged]}


def _carried_json(t: CarriedTrailer) -> dict[str, Any]:
    return {**given_trailer_json(t.trailer), "old_patch": t.old_patch, "new_patch": t.new_patch,
            "status": t.status, "detail": t.detail}


def comparison_to_json(c: Comparison, series: Series, source: str,
                       applies: dict[str, ApplyResult] | None = None) -> dict[str, Any]:
    """`applies`: by revision label."""
    applies = applies or {}

    def side(label: str, checked: bool, counts: TrailerCounts) -> dict[str, Any]:
        res, rev = applies.get(label), series.revision(label)
        note = not_applied_note(res)
        return {"version": rev.version, "label": label, "order": rev.order, "checked": checked,
                "title": rev.title,
                "level": "diff" if note else "tree", "level_reason": note,
                "apply": apply_to_json(res) if res else None,
                "trailers": trailers_json(counts)}

    api = c.api
    return {
        "schema": SCHEMA_VERSION,
        "source": source,
        "title": series.title,
        "old": side(c.old, c.old_checked, c.trailer_totals[0]),
        "new": side(c.new, c.new_checked, c.trailer_totals[1]),
        "pairing": c.pairing,
        "range_diff_note": c.range_diff_note,
        "range_diff": c.range_diff,
        "pairs": [{"old": p.old, "new": p.new, "status": p.status, "title": p.title,
                   "by": p.by} for p in c.pairs],
        "interdiffs": [{"old": d.old, "new": d.new, "title": d.title, "text": d.text}
                       for d in c.interdiffs],
        "api": None if api is None else {
            "old": _surface_json(api.old), "new": _surface_json(api.new),
            "dropped": [_change_json(x) for x in api.dropped],
            "introduced": [_change_json(x) for x in api.introduced],
            "kept": [_change_json(x) for x in api.kept]},
        "findings": {
            "new": [finding_to_json(f) for f in c.new_findings],
            "fixed": [finding_to_json(f) for f in c.fixed],
            "gone": [finding_to_json(f) for f in c.gone],
            "persisting": [{"old": finding_to_json(o), "new": finding_to_json(n)}
                           for o, n in c.persisting]},
        "requests": [_request_json(x) for x in c.requests],
        "bot_reports": [_bot_json(b) for b in c.bot_reports],
        "trailers": [_carried_json(t) for t in c.trailers],
        "counts": {"findings": {"new": len(c.new_findings), "fixed": len(c.fixed),
                                "gone": len(c.gone), "persisting": len(c.persisting)},
                   "requests": c.verdict_counts(),
                   "bot_reports": {s.value: sum(b.status is s for b in c.bot_reports)
                                   for s in BotStatus},
                   "trailers": {s.value: sum(t.status is s for t in c.trailers)
                                for s in CarryStatus}},
    }
