"""Run the selected rules on every revision of a series.

Revisions are independent: each gets its own `RevisionInput`.  A rule that
raises `Skipped` is reported as skipped with its reason; one that crashes is
reported as an error of that rule, and the others still run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

from reviewer.checks.context import CheckContext, RevisionInput
from reviewer.checks.registry import Rule, Scope, Skipped, all_rules
from reviewer.config import Config
from reviewer.mail import READER_VERSION
from reviewer.model import ApplyResult, Finding, Level, OutcomeStatus, Revision, Series
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

__all__ = ["RevisionReport", "RuleOutcome", "check_series", "selected_rules"]

_SLICE_S = 0.1


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    status: OutcomeStatus
    level: Level  # what the rule read
    reason: str = ""
    cached: bool = False


@dataclass(frozen=True)
class RevisionReport:
    version: int
    label: str
    apply: ApplyResult | None
    findings: tuple[Finding, ...]
    outcomes: tuple[RuleOutcome, ...]
    order: int = 1  # the revision's position in its series

    def outcome(self, rule_id: str) -> RuleOutcome | None:
        return next((o for o in self.outcomes if o.rule_id == rule_id), None)


def selected_rules(config: Config) -> list[Rule]:
    return [r for r in all_rules() if config.enabled(r.id)]


def _digest(rev: Revision | None) -> list[str]:
    if rev is None:
        return []
    mails = ([rev.cover] if rev.cover else []) + [p.message for p in rev.patches]
    return [f"{m.msgid}:{hashlib.sha1(m.raw).hexdigest()}" for m in mails]


def cache_key(rule: Rule, data: RevisionInput) -> str:
    """What determines a rule's result: its version and what it depends on
    (a shared engine's version), the revision's mails
    (whose patch-ids they contain), the revision before it for series rules,
    the base commit, whether it applied, and the configuration."""
    res = data.apply
    parts = {
        "rule": [rule.id, rule.version, rule.depends],
        # Messages name revisions by label ("v4.1", "since v3-resend").
        "labels": [data.revision.label, data.previous.label if data.previous else None],
        "reader": READER_VERSION,
        "mails": _digest(data.revision),
        "previous": _digest(data.previous) if rule.scope is Scope.SERIES else [],
        "series": [_digest(r) for r in data.series.revisions] if rule.scope is Scope.SERIES
        else [],
        "base": res.base.commit if res and res.base else None,
        "applied": bool(res and res.applied),
        "config": [data.config.checkpatch_timeout, data.config.race_api, data.config.all_lines,
                   data.config.tree_facts],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _run_rule(rule: Rule, data: RevisionInput) -> tuple[list[Finding], RuleOutcome]:
    ctx = CheckContext(data, rule)
    try:
        findings = list(rule.check(ctx))
    except Skipped as exc:
        return [], RuleOutcome(rule.id, OutcomeStatus.SKIPPED, Level.DIFF, str(exc))
    except Exception as exc:  # a broken rule must not take the others down
        return [], RuleOutcome(rule.id, OutcomeStatus.ERROR, Level.DIFF,
                               f"{exc.__class__.__name__}: {exc}")
    return findings, RuleOutcome(rule.id, OutcomeStatus.RAN,
                                 Level.TREE if ctx.used_tree else Level.DIFF)


def _run_rules(rules: list[Rule], data: RevisionInput, cache: ResultCache | None,
               threads: int) -> list[tuple[list[Finding], RuleOutcome]]:
    """Each rule's (findings, outcome), in the order of `rules`.  Cached
    results are read and written in this thread; the rules left run in
    `threads` threads, since most of a slow rule's time is spent waiting on
    perl or git (RevisionInput.memo computes a shared result once)."""
    keys = {r.id: cache_key(r, data) for r in rules} if cache is not None else {}
    done: dict[str, tuple[list[Finding], RuleOutcome]] = {}
    for rule in rules:
        if cache is not None and (hit := cache.get(keys[rule.id])) is not None:
            level, found = hit
            done[rule.id] = found, RuleOutcome(rule.id, OutcomeStatus.RAN, Level(level),
                                               cached=True)
    todo = [r for r in rules if r.id not in done]
    if threads > 1 and len(todo) > 1:
        with ThreadPoolExecutor(min(threads, len(todo))) as pool:
            futures = [pool.submit(_run_rule, r, data) for r in todo]
            # Waited for in short slices: a signal the kernel hands to one of
            # the rules' threads reaches this one's handler (SIGTERM stopping
            # a check worker) at the next slice, not when the rules are done.
            while wait(futures, timeout=_SLICE_S).not_done:
                pass
            ran = [f.result() for f in futures]
    else:
        ran = [_run_rule(r, data) for r in todo]
    for rule, (found, outcome) in zip(todo, ran, strict=True):
        done[rule.id] = found, outcome
        if cache is not None and outcome.status is OutcomeStatus.RAN:
            cache.put(keys[rule.id], rule.id, outcome.level, found)
    return [done[r.id] for r in rules]


def check_revision(series: Series, revision: Revision, apply: ApplyResult | None,
                   repo: GitRepo | None, config: Config, rules: list[Rule],
                   cache: ResultCache | None = None, threads: int = 1,
                   store: ResultCache | None = None) -> RevisionReport:
    """The rules' findings on one revision; `cache` holds findings, `store`
    (default: `cache`) what rules share across revisions (a tree's facts)."""
    index = series.revisions.index(revision)
    previous = series.revisions[index - 1] if index > 0 else None
    data = RevisionInput(series, revision, previous, apply, repo, config,
                         store if store is not None else cache)
    findings: list[Finding] = []
    outcomes: list[RuleOutcome] = []
    for found, outcome in _run_rules(rules, data, cache, threads):
        findings.extend(found)
        outcomes.append(outcome)
    if apply is not None and apply.approximate:  # read a tree that is only a guess
        findings = [replace(f, approximate=True) if f.level is Level.TREE else f
                    for f in findings]
    return RevisionReport(revision.version, revision.label, apply, triage(findings),
                          tuple(outcomes), revision.order)


def triage(findings: list[Finding]) -> tuple[Finding, ...]:
    """One finding per cause, errors first: the same problem on several
    patches (same rule, fingerprint and message) becomes one finding
    covering them all; then by severity, patch, file and line."""
    merged: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        key = (f.rule_id, f.severity, f.fingerprint, f.message, f.file, f.line, f.level)
        if (seen := merged.get(key)) is None:
            merged[key] = f
            continue
        covered = sorted({*seen.patches, *f.patches})
        merged[key] = replace(seen, patch=covered[0] if covered else seen.patch,
                              patches=tuple(covered))
    return tuple(sorted(merged.values(), key=lambda f: (
        -f.severity.rank, f.patch or 0, f.file or "", f.line or 0, f.rule_id)))


def check_series(series: Series, applies: list[ApplyResult] | None, repo: GitRepo | None,
                 config: Config, cache: ResultCache | None = None,
                 on_done: Callable[[RevisionReport], None] | None = None,
                 cancelled: Callable[[], bool] = lambda: False) -> list[RevisionReport]:
    rules = selected_rules(config)
    reports: list[RevisionReport] = []
    for i, rev in enumerate(series.revisions):
        if cancelled():
            break
        apply = applies[i] if applies and i < len(applies) else None
        report = check_revision(series, rev, apply, repo, config, rules, cache)
        reports.append(report)
        if on_done:
            on_done(report)
    return reports
