"""Compare two revisions: which patches correspond (range-diff), and how the
findings changed (new, fixed, persisting) by fingerprint."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from reviewer.checks.engine import RevisionReport
from reviewer.gitrepo import GitRepo
from reviewer.model import ApplyResult, Finding, Patch, Revision, Series

__all__ = ["Comparison", "PatchPair", "compare_revisions", "diff_findings"]


@dataclass(frozen=True)
class PatchPair:
    old: int | None  # patch index in the old revision
    new: int | None
    status: str  # "same" (equal patch-id), "changed", "added", "removed"
    title: str


@dataclass(frozen=True)
class Comparison:
    old: int
    new: int
    range_diff: str  # git range-diff output, "" when it could not run
    range_diff_note: str  # how the pairing was obtained
    pairs: tuple[PatchPair, ...]
    new_findings: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    persisting: tuple[tuple[Finding, Finding], ...]


def _pair_patches(old: Revision, new: Revision) -> list[PatchPair]:
    """Equal patch-ids first, then the most similar titles."""
    pairs: list[PatchPair] = []
    left = list(old.patches)
    rest: list[Patch] = []
    for p in new.patches:
        same = next((q for q in left if q.patch_id and q.patch_id == p.patch_id), None)
        if same is not None:
            left.remove(same)
            pairs.append(PatchPair(same.index, p.index, "same", p.title))
        else:
            rest.append(p)
    for p in rest:
        scored = [(SequenceMatcher(None, q.title.lower(), p.title.lower()).ratio(), q)
                  for q in left]
        best = max(scored, key=lambda s: s[0], default=None)
        if best is not None and best[0] >= 0.6:
            left.remove(best[1])
            pairs.append(PatchPair(best[1].index, p.index, "changed", p.title))
        else:
            pairs.append(PatchPair(None, p.index, "added", p.title))
    pairs += [PatchPair(q.index, None, "removed", q.title) for q in left]
    return sorted(pairs, key=lambda x: (x.new or 10**6, x.old or 0))


def _range_diff(repo: GitRepo | None, a: ApplyResult | None,
                b: ApplyResult | None) -> tuple[str, str]:
    if repo is None or a is None or b is None:
        return "", "no tree: patches paired by patch-id and subject"
    if not (a.applied and b.applied and a.base and b.base and a.tip and b.tip):
        return "", "a revision did not apply: patches paired by patch-id and subject"
    out = repo.run("range-diff", "--no-color", f"{a.base.commit}..{a.tip}",
                   f"{b.base.commit}..{b.tip}")
    if out.status != 0:
        return "", f"git range-diff failed ({out.stderr.strip()[:100]}): paired by patch-id"
    return out.stdout, "git range-diff of the applied commits"


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


def compare_revisions(series: Series, old: Revision, new: Revision, repo: GitRepo | None = None,
                      applies: dict[int, ApplyResult] | None = None,
                      reports: dict[int, RevisionReport] | None = None) -> Comparison:
    applies = applies or {}
    reports = reports or {}
    text, note = _range_diff(repo, applies.get(old.version), applies.get(new.version))
    old_f = reports[old.version].findings if old.version in reports else ()
    new_f = reports[new.version].findings if new.version in reports else ()
    added, fixed, persisting = diff_findings(old_f, new_f)
    return Comparison(old.version, new.version, text, note, tuple(_pair_patches(old, new)),
                      added, fixed, persisting)
