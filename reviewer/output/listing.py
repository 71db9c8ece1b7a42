"""Turn results into JSON-ready data and Rich tables.  The JSON shapes are
documented in docs/json.md and are stable: fields are only ever added."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from reviewer.compare.carried import carried_trailers
from reviewer.mail.attest import Attestation
from reviewer.mail.trailers import GivenTrailer, TrailerCounts, given_trailers, trailer_counts
from reviewer.model import (
    ApplyResult,
    AttestStatus,
    BaseChoice,
    BaseSource,
    MailShape,
    PatchStatus,
    Revision,
    Series,
)
from reviewer.tree.base import named_release, pre_images, prerequisites

__all__ = ["apply_exit_code", "apply_lines", "apply_table", "apply_to_json",
           "attestation_to_json", "base_to_json", "given_trailer_json", "mail_notes",
           "mail_notes_to_json", "not_applied_note", "revisions_table", "series_to_json",
           "trailers_json", "tree_lines"]

# Per patch: index → its attestation (0: the cover), see reviewer.mail.attest.
Attested = Mapping[int, Attestation]

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
    headerless = any(shape is MailShape.NO_HEADERS for _k, shape in rev.mail_shapes)
    return " ".join(f for f, on in (("RFC", rev.rfc), ("RESEND", rev.resend),
                                    ("partial", rev.partial), ("FILE", headerless)) if on)


def mail_notes_to_json(rev: Revision) -> list[dict[str, Any]]:
    """How the revision's patch mails were read, when not as plain inline
    patch mails (docs/json.md)."""
    return [{"patch": k, "shape": shape.value, "warning": shape.warns, "text": shape.note}
            for k, shape in rev.mail_shapes]


def mail_notes(rev: Revision) -> list[Text]:
    """The same, one line each: `v1 2: warning: sent format=flowed: …`;
    then the other sends of the revision's mails that are no revision."""
    notes = [inert(f"{rev.label} {k}: {'warning: ' if shape.warns else ''}{shape.note}",
                   "yellow" if shape.warns else "dim") for k, shape in rev.mail_shapes]
    notes += [inert(f"{rev.label}: also sent as {msgid}, the same mail with no replies "
                    "(not a revision of its own)", "dim") for msgid in rev.also_sent]
    return notes


def attestation_to_json(att: Attestation) -> dict[str, Any]:
    return {"status": att.status.value, "signatures": [{
        "method": s.method.value, "status": s.status.value, "identity": s.identity,
        "algorithm": s.algorithm, "matches_sender": s.matches_sender, "detail": s.detail,
    } for s in att.signatures]}


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


def revision_to_json(rev: Revision, base: BaseChoice | str | None = None,
                     attested: Attested | None = None,
                     after: Revision | None = None) -> dict[str, Any]:
    """`base`: the base chosen in a tree (`--tree`), or why none could be;
    `attested`: what `attest_revision` found; `after`: the next revision of
    the series, for whether it carried the trailers given on this one."""
    given = given_trailers(rev)

    def signed(index: int) -> dict[str, Any] | None:
        found = attested.get(index) if attested is not None else None
        return attestation_to_json(found) if found is not None else None

    return {
        "version": rev.version,
        "label": rev.label,
        "order": rev.order,
        "partial": rev.partial,
        "also_sent": list(rev.also_sent),
        "rfc": rev.rfc,
        "resend": rev.resend,
        "title": rev.title,
        "cover": rev.cover.msgid if rev.cover else None,
        "expected": rev.expected,
        "missing": list(rev.missing),
        "duplicates": list(rev.duplicates),
        "base_commit": rev.base_commit,
        "release": named_release(rev),
        "prerequisites": list(prerequisites(rev)),
        "pre_images": len(pre_images(rev)),
        "base": base if isinstance(base, str) else base_to_json(base),
        "change_id": rev.change_id,
        "link": None if rev.link is None else {
            "reason": rev.link.reason, "confidence": rev.link.confidence,
            "detail": rev.link.detail},
        "cover_attestation": signed(0) if rev.cover else None,
        "patches": [{
            "index": p.index, "total": p.total, "msgid": p.msgid, "subject": p.message.subject.full,
            "author": str(p.author), "files": list(p.paths), "patch_id": p.patch_id,
            "strip": p.strip, "shapes": [shape.value for shape in p.message.shapes],
            "attestation": signed(p.index),
        } for p in rev.patches],
        "mail_notes": mail_notes_to_json(rev),
        "replies": [{
            "msgid": r.message.msgid, "from": str(r.message.sender),
            "date": r.message.date.isoformat(), "answers": r.answers, "patch": r.patch_index,
        } for r in rev.replies],
        "trailers": {**trailers_json(trailer_counts(given), given),
                     "carried": _carried_json(rev, after)},
    }


def series_to_json(series: Series, bases: dict[str, BaseChoice | str] | None = None,
                   attested: Sequence[Attested] | None = None) -> dict[str, Any]:
    """`bases`: revision label → its base in a tree (or why none), with
    --tree; `attested`: per revision (in order), what `attest_revision` found."""
    revs = series.revisions
    return {"title": series.title, "revisions": [
        revision_to_json(r, (bases or {}).get(r.label),
                         attested[i] if attested is not None else None,
                         revs[i + 1] if i + 1 < len(revs) else None)
        for i, r in enumerate(revs)]}


def _base_cell(rev: Revision, base: BaseChoice | str | None) -> Text:
    """The base in the tree and its evidence, or what the mails say of it."""
    if isinstance(base, str):
        return inert(base, "red")
    if base is not None:
        return inert(base.evidence,
                     "yellow" if base.source is BaseSource.HEAD and base.blobs else "")
    if rev.base_commit:
        return inert(f"base-commit {rev.base_commit[:12]}")
    release = named_release(rev)
    return inert(f"names {release}" if release else "-")


ATTEST_STYLE = {AttestStatus.VALID: "green", AttestStatus.BAD: "bold red",
                AttestStatus.NO_KEY: "yellow", AttestStatus.NOT_CHECKED: "dim",
                AttestStatus.UNSIGNED: "dim"}


def attestation_cell(attested: Attested, patches: int) -> Text:
    """A revision's patches by status, e.g. `no-key 5/5 (patatt)`."""
    mine = [a for k, a in sorted(attested.items()) if k > 0]
    counts = Counter(a.status for a in mine)
    methods = sorted({s.method.value for a in mine for s in a.signatures})
    worst = max(counts, key=lambda st: st.rank, default=AttestStatus.UNSIGNED)
    text = ", ".join(f"{st.value} {n}/{patches}" for st, n in
                     sorted(counts.items(), key=lambda kv: -kv[0].rank))
    return Text(text + (f" ({', '.join(methods)})" if methods else ""),
                style=ATTEST_STYLE[worst])


def revisions_table(series: Series, bases: dict[str, BaseChoice | str] | None = None,
                    attested: Sequence[Attested] | None = None) -> Table:
    table = Table(title=inert(series.title), title_justify="left", expand=False)
    columns = ["#", "rev", "flags", "patches", "cover", "replies", "A·R·T", "base", "linked by"]
    for col in columns + (["signatures"] if attested is not None else []):
        table.add_column(col)
    for i, rev in enumerate(series.revisions):
        count = f"{len(rev.patches)}/{rev.expected}"
        if rev.missing:
            count += f" (missing {','.join(map(str, rev.missing))})"
        link = "-" if rev.link is None else f"{rev.link.reason} ({rev.link.confidence:.2f})"
        cells: list[str | Text] = [
            str(rev.order), rev.label, _flags(rev), Text(count, style="red" if rev.missing else ""),
            "yes" if rev.cover else "-", str(len(rev.replies)),
            str(trailer_counts(given_trailers(rev))),
            _base_cell(rev, (bases or {}).get(rev.label)), link,
        ]
        if attested is not None:
            cells.append(attestation_cell(attested[i], len(rev.patches)))
        table.add_row(*cells)
    return table


def base_to_json(base: BaseChoice | None) -> dict[str, Any] | None:
    if base is None:
        return None
    return {"commit": base.commit, "source": base.source.value, "name": base.name,
            "evidence": base.evidence, "reason": base.reason,
            "blobs": {"matched": base.matched, "total": base.blobs}, "release": base.release}


def apply_to_json(result: ApplyResult) -> dict[str, Any]:
    return {
        "version": result.version,
        "label": result.label or f"v{result.version}",
        "applied": result.applied,
        "approximate": result.approximate,
        "base": base_to_json(result.base),
        "ref": result.ref,
        "tip": result.tip,
        "error": result.error,
        "advice": list(result.advice),
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
        base, source = (res.base.label, res.base.source.value) if res.base else ("-", "")
        table.add_row(res.label or f"v{res.version}", inert(base), source, *cells, _summary(res))
    return table


def apply_lines(res: ApplyResult) -> list[Text]:
    """Under the table, per revision: its base and the evidence for it, then
    (when a patch did not apply) each patch's own reason once and what to
    try, once for the revision."""
    label = res.label or f"v{res.version}"
    out: list[Text] = []
    if res.base:
        commit = f" ({res.base.commit[:12]})" if res.base.name else ""
        out.append(inert(f"{label}: base {res.base.label}{commit}: {res.base.reason}"))
    if res.ref:
        out.append(inert(f"{label}: kept as {res.ref}"))
    for p in res.patches:
        if p.failure is not None and (p.approximate or not p.status.ok):
            what = "approximate" if p.approximate else p.status.value
            out.append(inert(f"{label} {p.index}/{len(res.patches)} {what}: {p.failure.reason}"))
    if not res.applied:
        out.append(inert(f"{label}: NOT APPLIED: {_not_applied(res)}", "bold red"))
        out += [inert(f"{label}: try: {tip}", "yellow") for tip in res.advice]
    return out


def apply_exit_code(results: list[ApplyResult]) -> int:
    """0 when every revision applied (approximately too, with --fuzzy), 1
    when one did not (a patch failed, or no base)."""
    return int(any(not r.applied for r in results))


def not_applied_note(res: ApplyResult | None) -> str | None:
    """Why the tree-level checks of a revision could not run, or None when
    they could: said wherever findings are shown."""
    if res is None:
        return "no --tree given: findings come from the diffs alone"
    if res.applied:
        return None
    return f"not applied ({_not_applied(res)}): findings come from the diffs alone"


def tree_lines(labels: list[str], applies: dict[str, ApplyResult]) -> list[str]:
    """Each revision's base and whether it applied, for a view of several
    (compare; revisions by label); one line when no tree was given."""
    if not applies:
        return ["no --tree given: findings and API changes come from the diffs alone"]
    out = []
    for label in labels:
        res = applies.get(label)
        note = not_applied_note(res)
        if note:
            out.append(f"{label}: {note}")
        elif res is not None and res.base is not None:
            out.append(f"{label}: applied on {res.base.label} ({res.base.evidence})")
    return out


def _not_applied(res: ApplyResult) -> str:
    if res.error:
        return res.error
    failed = res.failed
    if failed is None:
        return "not every patch was tried"
    where = f" on {res.base.label}" if res.base else ""
    return f"patch {failed.index}/{len(res.patches)} does not apply{where}"


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
    return inert(f"NOT APPLIED: {_not_applied(res)}", "red")  # why: in apply_lines()
