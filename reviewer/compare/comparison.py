"""Compare two revisions: which patches correspond (git range-diff of the
applied commits, else patch-id and subject), how the API surface changed
(reviewer.compare.apidiff), how the findings changed (new, fixed, persisting) by
fingerprint, and what became of the reviewers' concerns (reviewer.compare.concerns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from reviewer.checks.engine import RevisionReport, check_revision, selected_rules
from reviewer.compare.apidiff import ApiDiff, ApiSurface, SurfaceChange, api_surface, diff_surfaces
from reviewer.compare.concerns import Concern, review_concerns
from reviewer.config import Config
from reviewer.model import ApplyResult, Finding, Patch, Revision, Series
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

__all__ = ["Comparison", "PatchPair", "compare_revisions", "comparison_to_json", "diff_findings"]

SCHEMA_VERSION = 1
# "  1:  d78d8bc !  2:  e3776df ovl: ..." — one line per commit pair of git range-diff
_RANGE_LINE = re.compile(r"^\s*(\d+|-):\s+[0-9a-f-]+\s+([=!<>])\s+(\d+|-):\s+[0-9a-f-]+\s(.*)$")
_GIT_STATUS = {"=": "same", "!": "changed", "<": "removed", ">": "added"}


@dataclass(frozen=True)
class PatchPair:
    old: int | None  # patch index in the old revision
    new: int | None
    status: str  # "same" (equal patch-id), "changed", "added", "removed"
    title: str
    by: str = ""  # how they were paired: "range-diff", "patch-id" or "subject"


@dataclass(frozen=True)
class Comparison:
    old: str  # the revisions' labels
    new: str
    range_diff: str  # git range-diff output, "" when it could not run
    range_diff_note: str  # how the pairing was obtained
    pairs: tuple[PatchPair, ...]
    new_findings: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    persisting: tuple[tuple[Finding, Finding], ...]
    api: ApiDiff | None = None
    concerns: tuple[Concern, ...] = ()
    old_checked: bool = False  # findings of the old revision were available
    new_checked: bool = False
    pairing: str = "patch-id+subject"  # or "range-diff"
    # Findings of the old revision whose patches the new one dropped: not fixed.
    gone: tuple[Finding, ...] = ()

    def concern_counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.concerns)
                for s in ("addressed", "open", "unclear")}


def _pair_patches(old: list[Patch], new: list[Patch]) -> list[PatchPair]:
    """Equal patch-ids first, then the most similar titles."""
    pairs: list[PatchPair] = []
    left = list(old)
    rest: list[Patch] = []
    for p in new:
        same = next((q for q in left if q.patch_id and q.patch_id == p.patch_id), None)
        if same is not None:
            left.remove(same)
            pairs.append(PatchPair(same.index, p.index, "same", p.title, "patch-id"))
        else:
            rest.append(p)
    for p in rest:
        scored = [(SequenceMatcher(None, q.title.lower(), p.title.lower()).ratio(), q)
                  for q in left]
        best = max(scored, key=lambda s: s[0], default=None)
        if best is not None and best[0] >= 0.6:
            left.remove(best[1])
            pairs.append(PatchPair(best[1].index, p.index, "changed", p.title, "subject"))
        else:
            pairs.append(PatchPair(None, p.index, "added", p.title, "subject"))
    pairs += [PatchPair(q.index, None, "removed", q.title, "subject") for q in left]
    return pairs


def _sorted(pairs: list[PatchPair]) -> tuple[PatchPair, ...]:
    return tuple(sorted(pairs, key=lambda x: (x.new or 10**6, x.old or 0)))


def _git_range_diff(repo: GitRepo, ranges: tuple[str, str], a: ApplyResult, b: ApplyResult,
                    old: Revision, new: Revision) -> tuple[str, list[PatchPair]] | None:
    """git's own pairing; commits it leaves unpaired are paired by patch-id
    or subject among themselves, and their forced range-diff appended."""
    out = repo.run("range-diff", "--no-color", *ranges)
    if out.status != 0:
        return None
    pairs: list[PatchPair] = []
    gone: list[int] = []
    came: list[int] = []
    for line in out.stdout.splitlines():
        if m := _RANGE_LINE.match(line):
            i, j = (None if m.group(k) == "-" else int(m.group(k)) for k in (1, 3))
            if m.group(2) == "<" and i is not None:
                gone.append(i)
            elif m.group(2) == ">" and j is not None:
                came.append(j)
            else:
                pairs.append(PatchPair(i, j, _GIT_STATUS[m.group(2)], m.group(4).strip(),
                                       "range-diff"))
    text = out.stdout
    left = _pair_patches([p for p in old.patches if p.index in gone],
                         [p for p in new.patches if p.index in came])
    for pair in left:
        if pair.old is not None and pair.new is not None:
            x, y = a.commit_after(pair.old), b.commit_after(pair.new)
            forced = repo.run("range-diff", "--no-color", "--creation-factor=100",
                              f"{x}^..{x}", f"{y}^..{y}")
            if forced.status == 0:
                text += f"\n# {old.label} {pair.old} and {new.label} {pair.new} paired " \
                        f"by {pair.by}:\n" + forced.stdout
    return text, pairs + left


def _pairing(repo: GitRepo | None, a: ApplyResult | None, b: ApplyResult | None,
             old: Revision, new: Revision) -> tuple[str, str, list[PatchPair]]:
    """(range-diff text, note saying how, pairs)."""
    fallback = _pair_patches(list(old.patches), list(new.patches))
    if repo is None or a is None or b is None:
        return "", "no tree: patches paired by patch-id and subject", fallback
    if not (a.applied and b.applied and a.base and b.base and a.tip and b.tip):
        failed = " and ".join(f"v{r.version}" for r in (a, b) if not r.applied) or "a revision"
        return "", f"{failed} did not apply: patches paired by patch-id and subject", fallback
    ranges = (f"{a.base.commit}..{a.tip}", f"{b.base.commit}..{b.tip}")
    done = _git_range_diff(repo, ranges, a, b, old, new)
    if done is None:
        return "", "git range-diff failed: patches paired by patch-id and subject", fallback
    return done[0], "git range-diff of the applied commits", done[1]


def diff_findings(old: list[Finding] | tuple[Finding, ...], new: list[Finding] | tuple[Finding, ...]
                  ) -> tuple[tuple[Finding, ...], tuple[Finding, ...],
                             tuple[tuple[Finding, Finding], ...]]:
    """(new, fixed, persisting) by fingerprint."""
    old_by = {f.fingerprint: f for f in old}
    new_by = {f.fingerprint: f for f in new}
    return (
        tuple(f for fp, f in new_by.items() if fp not in old_by),
        tuple(f for fp, f in old_by.items() if fp not in new_by),
        tuple((old_by[fp], f) for fp, f in new_by.items() if fp in old_by),
    )


def gone_with_patches(fixed: tuple[Finding, ...], pairs: list[PatchPair]
                      ) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(fixed, gone): a finding that disappeared because every patch it was
    about has no counterpart in the new revision went with its patches."""
    dropped = {p.old for p in pairs if p.new is None and p.old is not None}
    gone = tuple(f for f in fixed if f.patches and set(f.patches) <= dropped)
    return tuple(f for f in fixed if f not in gone), gone


def compare_revisions(series: Series, old: Revision, new: Revision, repo: GitRepo | None = None,
                      applies: dict[str, ApplyResult] | None = None,
                      reports: dict[str, RevisionReport] | None = None,
                      config: Config | None = None,
                      cache: ResultCache | None = None) -> Comparison:
    """Everything `reviewer compare` shows.  Without `reports` both revisions
    are checked here (with `config`, default all rules); with them, a
    revision missing from the dict counts as not checked.  Both dicts are
    keyed by revision label."""
    applies = applies or {}
    if reports is None:
        config = config or Config()
        rules = selected_rules(config)
        reports = {r.label: check_revision(series, r, applies.get(r.label), repo, config,
                                           rules, cache) for r in (old, new)}
    text, note, pairs = _pairing(repo, applies.get(old.label), applies.get(new.label),
                                 old, new)
    old_f = reports[old.label].findings if old.label in reports else ()
    new_f = reports[new.label].findings if new.label in reports else ()
    added, fixed, persisting = diff_findings(old_f, new_f)
    fixed, gone = gone_with_patches(fixed, pairs)
    api = diff_surfaces(api_surface(old, repo, applies.get(old.label)),
                        api_surface(new, repo, applies.get(new.label)))
    return Comparison(old.label, new.label, text, note, _sorted(pairs), added, fixed,
                      persisting, api, tuple(review_concerns(old, new, api)),
                      old.label in reports, new.label in reports,
                      "range-diff" if text else "patch-id+subject", gone)


# --- JSON (docs/json.md) ----------------------------------------------------------

def _change_json(c: SurfaceChange) -> dict[str, Any]:
    return {"kind": c.kind, "name": c.name, "file": c.file, "change": c.change,
            "before": c.before, "after": c.after, "patch": c.patch, "note": c.note,
            "text": c.describe()}


def _surface_json(s: ApiSurface) -> dict[str, Any]:
    return {"version": s.version, "label": s.label or f"v{s.version}", "level": s.level,
            "changes": [_change_json(c) for c in s.changes]}


def comparison_to_json(c: Comparison, series: Series, source: str,
                       applies: dict[str, ApplyResult] | None = None) -> dict[str, Any]:
    from reviewer.output.listing import apply_to_json, not_applied_note
    from reviewer.output.report import finding_to_json

    applies = applies or {}

    def side(label: str, checked: bool) -> dict[str, Any]:
        res, rev = applies.get(label), series.revision(label)
        note = not_applied_note(res)
        return {"version": rev.version, "label": label, "order": rev.order,
                "checked": checked, "title": rev.title,
                "level": "diff" if note else "tree", "level_reason": note,
                "apply": apply_to_json(res) if res else None}

    api = c.api
    return {
        "schema": SCHEMA_VERSION,
        "source": source,
        "title": series.title,
        "old": side(c.old, c.old_checked),
        "new": side(c.new, c.new_checked),
        "pairing": c.pairing,
        "range_diff_note": c.range_diff_note,
        "range_diff": c.range_diff,
        "pairs": [{"old": p.old, "new": p.new, "status": p.status, "title": p.title,
                   "by": p.by} for p in c.pairs],
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
        "concerns": [{
            "reviewer": str(x.reviewer), "msgid": x.msgid, "answers": x.answers,
            "patch": x.patch, "quote_kind": x.quote_kind, "file": x.file,
            "quoted": list(x.quoted), "words": x.words, "code": x.code, "status": x.status,
            "evidence": [{"kind": e.kind, "detail": e.detail} for e in x.evidence],
        } for x in c.concerns],
        "counts": {"findings": {"new": len(c.new_findings), "fixed": len(c.fixed),
                                "gone": len(c.gone),
                                "persisting": len(c.persisting)},
                   "concerns": c.concern_counts()},
    }
