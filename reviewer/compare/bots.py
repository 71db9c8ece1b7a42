"""Bot reports on a revision (kernel test robot, syzbot, CI), listed apart
from the reviewers' requests, and whether the next revision still has what
each flagged.

A report names its problems as `file:line:col: message` lines and shows
the source line it flags (`> 4926\tcode` in the robot's `vim +N file`
excerpt, `4926 |  code` under a compiler message).  The next revision:

- **not fixed** when it still adds the flagged code line and its changelog
  does not say it fixed that, or when a bot flags the same code again in it;
- **fixed** when the flagged line is gone from it, or its changelog says it
  fixed the build problem or names what was flagged;
- **not-applicable** for a test result (syzbot testing a proposed fix) or
  a notice (a patchwork bot saying it was applied).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from reviewer.compare.changelog import revision_changelog
from reviewer.compare.replies import is_bot
from reviewer.compare.wording import idents, norm, short
from reviewer.model import Address, BotStatus, Reply, Revision

__all__ = ["BotReport", "Flagged", "bot_reports"]

_DIAG = re.compile(r"^(?:>>)?\s*([\w./+-]+\.[chS]):(\d+):[\d-]*:?\s*(.+)$")
_EXCERPT = re.compile(r"^>\s*(\d+)\s(.*\S)")  # `> 4926\tcode` in a vim +N excerpt
_CARET = re.compile(r"^\s*(\d+)\s*\|\s(.*\S)")  # `4926 |  code` under a compiler message
_PASSED = re.compile(r"tested the proposed patch and the reproducer did not trigger|"
                     r"\ball (tests|checks) passed\b", re.I)
_NOTICE = re.compile(r"\b(was|were|has been|have been) applied\b", re.I)  # patchwork-bot
_BUILD_FIX = re.compile(r"\b(fix|fixed|fixes|silence|silenced|avoid|address|addressed)\b.*"
                        r"\b(build|compile|compiler|sparse|smatch|coccinelle|cocci|robot|warnings?"
                        r"|errors?|failures?)\b", re.I)
_SAME_CODE = 0.75  # similarity of two flagged lines that are the same code


@dataclass(frozen=True)
class Flagged:
    file: str
    line: int | None  # in the bot's build tree, not the patch
    message: str
    code: str  # the flagged source line, "" when the report does not show it


@dataclass(frozen=True)
class BotReport:
    bot: Address
    msgid: str
    answers: str  # the patch or cover letter it answers
    patch: int  # 0 for the cover letter
    kind: str  # "build error", "warning", "test result", "notice" (applied) or "report"
    summary: str
    flagged: tuple[Flagged, ...]
    status: BotStatus
    evidence: str


def _flagged(body: str) -> list[Flagged]:
    """The report's `file:line:` problems (new ones, `>>`, first) with the
    source line each flags."""
    diags: list[Flagged] = []
    code: dict[int, str] = {}
    for line in body.splitlines():
        if (m := _EXCERPT.match(line)) or (m := _CARET.match(line)):
            code.setdefault(int(m.group(1)), m.group(2).strip())
        elif (m := _DIAG.match(line)) and ("error" in line or "warning" in line
                                           or "sparse" in line or ":" in m.group(3)):
            diags.append(Flagged(m.group(1), int(m.group(2)), m.group(3).strip(), ""))
    seen: set[tuple[str, int | None, str]] = set()
    out: list[Flagged] = []
    for d in diags:
        if (d.file, d.line, d.message) not in seen and d.line is not None:
            seen.add((d.file, d.line, d.message))
            out.append(Flagged(d.file, d.line, d.message, code.get(d.line, "")))
    return out


def _kind(body: str, flagged: list[Flagged]) -> str:
    if _PASSED.search(body):
        return "test result"
    if _NOTICE.search(body) and not flagged:
        return "notice"
    if any("error" in f.message.lower() for f in flagged) or "build test ERROR" in body:
        return "build error"
    return "warning" if flagged else "report"


def _added_code(rev: Revision) -> set[str]:
    return {norm(line[1:]) for p in rev.patches for c in p.files for h in c.hunks
            for line in h.lines if line[:1] in ("+", " ")}


def _same(a: str, b: str) -> bool:
    return bool(a and b) and SequenceMatcher(None, norm(a), norm(b)).ratio() >= _SAME_CODE


def _status(report: BotReport, old: Revision, new: Revision | None,
            later: list[BotReport]) -> tuple[BotStatus, str]:
    if report.kind in ("test result", "notice"):
        return BotStatus.NOT_APPLICABLE, f"a {report.kind}: nothing flagged"
    if new is None:
        return BotStatus.NO_NEXT, "no later revision"
    again = [b for b in later if any(_same(f.code, g.code) for f in report.flagged
                                     for g in b.flagged)]
    if again:
        return BotStatus.NOT_FIXED, f"{new.label} is flagged again on the same code " \
                                    f"({again[0].msgid})"
    names = idents(" ".join(f"{f.message} {f.code}" for f in report.flagged))
    said = [u for _s, u in revision_changelog(old, new)
            if _BUILD_FIX.search(u) or names & idents(u)]
    code = [f.code for f in report.flagged if f.code]
    have = _added_code(new)
    kept = [c for c in code if norm(c) in have]
    if said:
        return BotStatus.FIXED, f"{new.label} changelog: {short(said[0], 120)}"
    if code and not kept:
        return BotStatus.FIXED, f"{new.label} no longer has the flagged line " \
                                f"\"{short(code[0], 80)}\""
    if kept:
        return BotStatus.NOT_FIXED, f"{new.label} still has \"{short(kept[0], 80)}\""
    return BotStatus.UNCLEAR, "the report shows no source line to look for"


def _report(reply: Reply) -> BotReport:
    body = reply.message.body
    flagged = _flagged(body)
    kind = _kind(body, flagged)
    summary = flagged[0].message if flagged else next(
        (ln.strip() for ln in body.splitlines() if len(ln.strip()) > 20), "")
    return BotReport(reply.message.sender, reply.message.msgid, reply.answers,
                     reply.patch_index, kind, short(summary, 200), tuple(flagged),
                     BotStatus.UNCLEAR, "")


def _reports(rev: Revision) -> list[BotReport]:
    return [_report(r) for r in rev.replies if is_bot(r.message)]


def bot_reports(old: Revision, new: Revision | None) -> list[BotReport]:
    """The bots' reports on `old`, each with what `new` (None: no later
    revision) did about it."""
    later = _reports(new) if new is not None else []
    out = []
    for report in _reports(old):
        status, evidence = _status(report, old, new, later)
        out.append(replace(report, status=status, evidence=evidence))
    return out
