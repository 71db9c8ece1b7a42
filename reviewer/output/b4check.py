"""`reviewer b4-check`: our diff-level checks as an external check of
`b4 review`.

The protocol, as b4 0.16 implements it (b4/review/checks.py,
`_run_external_cmd`): b4 runs each command of `b4.review-perpatch-check-cmd`
with one patch mail on stdin (RFC 2822 bytes, `LoreMessage.get_msg_as_bytes`)
and the git top level as working directory, and reads stdout as JSON: an
array of (or one) `{tool, status, summary, url, details}` objects, `status`
being `pass`, `warn` or `fail` (anything else counts as `fail`).  Empty
output means "no result"; a non-zero exit with empty output is shown as a
failure.  b4 keeps one result per (patch, tool), so we emit one entry per
rule family (`reviewer/policy`, `reviewer/race`), and put the findings in
`details` as the JSON list b4 renders for its checkpatch and patchwork
checks: `[{status, state, context, description}]`.

Only rules that can judge one patch on its own run: message and patch
scope, and the race rules (they read one function at a time).  Rules about
the whole revision or series (numbering, cover letter, recipients, users of
an export, bisectability, changelog) need mails b4 does not give us.
"""

from __future__ import annotations

import email.parser
import json
from email.message import EmailMessage

import b4

from reviewer.checks.engine import check_revision, selected_rules
from reviewer.checks.registry import Rule, Scope
from reviewer.config import Config
from reviewer.mail.mailinfo import to_patch
from reviewer.mail.message import to_message
from reviewer.model import Finding, Revision, Series, Severity

__all__ = ["FAMILIES", "b4_results", "per_patch_rules", "single_patch_revision"]

FAMILIES = {"POL": "policy", "RACE": "race"}
_STATUS = {Severity.ERROR: "fail", Severity.WARNING: "warn", Severity.INFO: "pass"}
_ORDER = {"pass": 0, "warn": 1, "fail": 2}


def single_patch_revision(raw: bytes) -> Revision | None:
    """The mail as a revision of one patch; None when it holds no diff."""
    parser = email.parser.BytesParser(policy=b4.emlpolicy, _class=EmailMessage)
    message = to_message(parser.parsebytes(raw), raw)
    if not message.has_diff:
        return None
    s = message.subject
    total = max(s.total, 1)
    patch = to_patch(message, max(s.counter, 1), total)
    return Revision(version=s.version, rfc=s.rfc, resend=s.resend, cover=None,
                    patches=(patch,), replies=(), expected=total, missing=(), duplicates=(),
                    base_commit=None, change_id=None, link=None, label=f"v{s.version}",
                    order=1)


def per_patch_rules(config: Config) -> list[Rule]:
    return [r for r in selected_rules(config)
            if r.scope in (Scope.MESSAGE, Scope.PATCH)
            or (r.scope is Scope.REVISION and r.family == "RACE")]


def _where(f: Finding) -> str:
    if not f.file:
        return ""
    return f" ({f.file}" + (f":{f.line}" if f.line else "") + ")"


def _summary(findings: list[Finding], ran: int, skipped: int) -> str:
    if not findings:
        return f"no findings ({ran} rule{'s' if ran != 1 else ''} ran" + \
            (f", {skipped} skipped)" if skipped else ")")
    parts = []
    for sev in Severity:
        n = sum(f.severity is sev for f in findings)
        if n:
            parts.append(f"{n} {sev.value}{'s' if n != 1 else ''}")
    return ", ".join(parts)


def b4_results(raw: bytes, config: Config) -> list[dict[str, str]]:
    """What `reviewer b4-check` prints for one mail."""
    try:
        revision = single_patch_revision(raw)
    except Exception as exc:  # b4 shows our one-line reason in its check matrix
        return [{"tool": "reviewer", "status": "fail", "url": "", "details": "",
                 "summary": f"cannot read the message ({exc.__class__.__name__}: {exc})"}]
    if revision is None:
        return []
    rules = per_patch_rules(config)
    report = check_revision(Series((revision,)), revision, None, None, config, rules)
    out: list[dict[str, str]] = []
    for family, name in FAMILIES.items():
        mine = [r.id for r in rules if r.family == family]
        if not mine:
            continue
        found = [f for f in report.findings if f.rule_id in mine]
        details = [{"status": _STATUS[f.severity], "state": f.severity.value,
                    "context": f.rule_id, "description": f.message + _where(f)} for f in found]
        outcomes = [o for o in report.outcomes if o.rule_id in mine]
        details += [{"status": "warn" if o.status == "error" else "pass", "state": o.status,
                     "context": o.rule_id, "description": o.reason}
                    for o in outcomes if o.status != "ran"]
        worst = max((_STATUS[f.severity] for f in found), key=_ORDER.__getitem__, default="pass")
        if any(o.status == "error" for o in outcomes) and worst == "pass":
            worst = "warn"  # a crashed rule did not check anything
        ran = sum(o.status == "ran" for o in outcomes)
        summary = _summary(found, ran, len(outcomes) - ran)
        out.append({"tool": f"reviewer/{name}", "status": worst, "summary": summary,
                    "url": "", "details": json.dumps(details) if details else ""})
    return out
