"""Run the selected rules on every revision of a series.

Revisions are independent: each gets its own `RevisionInput`.  A rule that
raises `Skipped` is reported as skipped with its reason; one that crashes is
reported as an error of that rule, and the others still run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from reviewer.checks.context import CheckContext, RevisionInput
from reviewer.checks.registry import Rule, Scope, Skipped, all_rules
from reviewer.config import Config
from reviewer.mail import READER_VERSION
from reviewer.model import ApplyResult, Finding, Revision, Series
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

__all__ = ["RevisionReport", "RuleOutcome", "check_series", "selected_rules"]


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    status: str  # "ran", "skipped" or "error"
    level: str  # "diff" or "tree": what the rule could read
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
    """What determines a rule's result: its version, the revision's mails
    (whose patch-ids they contain), the revision before it for series rules,
    the base commit, whether it applied, and the configuration."""
    res = data.apply
    parts = {
        "rule": [rule.id, rule.version],
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


def _run_rule(rule: Rule, data: RevisionInput,
              cache: ResultCache | None) -> tuple[list[Finding], RuleOutcome]:
    key = cache_key(rule, data) if cache is not None else ""
    if cache is not None and (hit := cache.get(key)) is not None:
        level, found = hit
        return found, RuleOutcome(rule.id, "ran", level, cached=True)
    ctx = CheckContext(data, rule)
    try:
        findings = list(rule.check(ctx))
    except Skipped as exc:
        return [], RuleOutcome(rule.id, "skipped", "diff", str(exc))
    except Exception as exc:  # a broken rule must not take the others down
        return [], RuleOutcome(rule.id, "error", "diff", f"{exc.__class__.__name__}: {exc}")
    level = "tree" if ctx.used_tree else "diff"
    if cache is not None:
        cache.put(key, rule.id, level, findings)
    return findings, RuleOutcome(rule.id, "ran", level)


def check_revision(series: Series, revision: Revision, apply: ApplyResult | None,
                   repo: GitRepo | None, config: Config, rules: list[Rule],
                   cache: ResultCache | None = None) -> RevisionReport:
    index = series.revisions.index(revision)
    previous = series.revisions[index - 1] if index > 0 else None
    data = RevisionInput(series, revision, previous, apply, repo, config, cache)
    findings: list[Finding] = []
    outcomes: list[RuleOutcome] = []
    for rule in rules:
        found, outcome = _run_rule(rule, data, cache)
        findings.extend(found)
        outcomes.append(outcome)
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
