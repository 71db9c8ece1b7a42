"""Compare two revisions: which patches correspond (git range-diff of the
applied commits, else an optimal pairing by diff similarity, with each
pair's interdiff), how the API surface changed (reviewer.compare.apidiff),
how the findings changed (new, fixed, persisting) by fingerprint, what
became of the reviewers' requests (reviewer.compare.requests) and of the
bots' reports (reviewer.compare.bots), and whether the trailers given on
the old revision were carried (reviewer.compare.carried).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.checks.engine import RevisionReport, check_revision, selected_rules
from reviewer.compare.apidiff import ApiDiff, api_surface, diff_surfaces
from reviewer.compare.bots import BotReport, bot_reports
from reviewer.compare.carried import CarriedTrailer, carried_trailers
from reviewer.compare.interdiff import PatchInterdiff, patch_interdiffs
from reviewer.compare.pairing import PatchPair, pair_patches
from reviewer.compare.requests import Request, review_requests
from reviewer.config import Config
from reviewer.mail.trailers import TrailerCounts, given_trailers, trailer_counts
from reviewer.model import ApplyResult, Finding, PairStatus, Revision, Series, Verdict
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

__all__ = ["Comparison", "PatchPair", "compare_revisions", "diff_findings"]

_GIT_STATUS = {"=": PairStatus.SAME, "!": PairStatus.CHANGED}


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
    requests: tuple[Request, ...] = ()
    old_checked: bool = False  # findings of the old revision were available
    new_checked: bool = False
    pairing: str = "diff"  # or "range-diff"
    interdiffs: tuple[PatchInterdiff, ...] = ()  # when the pairing is not range-diff's
    bot_reports: tuple[BotReport, ...] = ()
    trailers: tuple[CarriedTrailer, ...] = ()
    trailer_totals: tuple[TrailerCounts, TrailerCounts] = (TrailerCounts(0, 0, 0),
                                                           TrailerCounts(0, 0, 0))  # A·R·T old, new
    # Findings of the old revision whose patches the new one dropped: not fixed.
    gone: tuple[Finding, ...] = ()

    def verdict_counts(self) -> dict[str, int]:
        return {v.value: sum(r.verdict is v for r in self.requests) for v in Verdict}


def _git_range_diff(repo: GitRepo, ranges: tuple[str, str], a: ApplyResult, b: ApplyResult,
                    old: Revision, new: Revision) -> tuple[str, list[PatchPair]] | None:
    """git's own pairing; commits it leaves unpaired are paired by diff
    similarity among themselves, and their forced range-diff appended."""
    done = repo.range_diff(*ranges)
    if done is None:
        return None
    pairs = [PatchPair(p.old, p.new, _GIT_STATUS[p.mark], p.title, "range-diff")
             for p in done.pairs if p.mark in _GIT_STATUS]
    gone = {p.old for p in done.pairs if p.mark == "<"}
    came = {p.new for p in done.pairs if p.mark == ">"}
    text = done.text
    left = pair_patches([p for p in old.patches if p.index in gone],
                        [p for p in new.patches if p.index in came])
    for pair in left:
        if pair.old is not None and pair.new is not None:
            x, y = a.commit_after(pair.old), b.commit_after(pair.new)
            forced = repo.range_diff(f"{x}^..{x}", f"{y}^..{y}", creation_factor=100)
            if forced is not None:
                text += f"\n# {old.label} {pair.old} and {new.label} {pair.new} paired " \
                        f"by {pair.by}:\n" + forced.text
    return text, pairs + left


def _pairing(repo: GitRepo | None, a: ApplyResult | None, b: ApplyResult | None,
             old: Revision, new: Revision) -> tuple[str, str, list[PatchPair]]:
    """(range-diff text, note saying how, pairs)."""
    how = "patches paired by diff similarity, interdiff per pair"
    if repo is None or a is None or b is None:
        return "", f"no tree: {how}", pair_patches(old.patches, new.patches)
    if not (a.applied and b.applied and a.base and b.base and a.tip and b.tip):
        failed = " and ".join(r.label or f"v{r.version}" for r in (a, b) if not r.applied) \
            or "a revision"
        return "", f"{failed} did not apply: {how}", pair_patches(old.patches, new.patches)
    ranges = (f"{a.base.commit}..{a.tip}", f"{b.base.commit}..{b.tip}")
    done = _git_range_diff(repo, ranges, a, b, old, new)
    if done is None:
        return "", f"git range-diff failed: {how}", pair_patches(old.patches, new.patches)
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
    """(fixed, gone): a finding about patches that the new revision dropped
    (each unpaired while others of the series went on) went with them.  A
    rewrite that pairs none of the old patches drops none: what disappears
    there was fixed by it."""
    if not any(p.old is not None and p.new is not None for p in pairs):
        return fixed, ()
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
    text, note, found = _pairing(repo, applies.get(old.label), applies.get(new.label),
                                 old, new)
    pairs = tuple(sorted(found, key=lambda x: (x.new or 10**6, x.old or 0)))
    old_f = reports[old.label].findings if old.label in reports else ()
    new_f = reports[new.label].findings if new.label in reports else ()
    added, fixed, persisting = diff_findings(old_f, new_f)
    fixed, gone = gone_with_patches(fixed, list(pairs))
    api = diff_surfaces(api_surface(old, repo, applies.get(old.label)),
                        api_surface(new, repo, applies.get(new.label)))
    return Comparison(
        old.label, new.label, text, note, pairs, added, fixed, persisting, api,
        tuple(review_requests(old, new, api, pairs)), old.label in reports,
        new.label in reports, "range-diff" if text else "diff",
        () if text else patch_interdiffs(old, new, pairs), tuple(bot_reports(old, new)),
        carried_trailers(old, new, pairs),
        (trailer_counts(given_trailers(old)), trailer_counts(given_trailers(new))), gone)
