"""Mail, diff and finding text as Rich `Text` lines, with no Textual in sight.

Everything that comes from a mail goes through `inert()`: it is never parsed
as markup, and control characters (terminal escapes, bidi overrides) are
replaced by visible stand-ins so a hostile mail cannot repaint the screen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from rich.text import Text

import reviewer

SEVERITY_STYLE = {
    reviewer.Severity.ERROR: "bold red",
    reviewer.Severity.WARNING: "yellow",
    reviewer.Severity.INFO: "cyan",
}
SEVERITY_MARK = {
    reviewer.Severity.ERROR: "●",
    reviewer.Severity.WARNING: "▲",
    reviewer.Severity.INFO: "◆",
}
# What a mail's signatures attest: verified, bad (a warning), signed but
# not verifiable here (no key; DKIM keys are in DNS), unsigned (information).
ATTEST_MARK = {
    reviewer.AttestStatus.VALID: ("✓", "green"),
    reviewer.AttestStatus.BAD: ("▲", SEVERITY_STYLE[reviewer.Severity.WARNING]),
    reviewer.AttestStatus.NO_KEY: ("?", "dim"),
    reviewer.AttestStatus.NOT_CHECKED: ("?", "dim"),
    reviewer.AttestStatus.UNSIGNED: ("–", "dim"),
}
# Which signature a revision's mark tells when its patches differ: a bad
# one first (a warning), then an unsigned patch, then an unverifiable one.
ATTEST_ORDER = (reviewer.AttestStatus.BAD, reviewer.AttestStatus.UNSIGNED,
                reviewer.AttestStatus.NO_KEY, reviewer.AttestStatus.NOT_CHECKED,
                reviewer.AttestStatus.VALID)
ATTEST_LEGEND = ("✓ signature verified, ▲ bad signature, ? signed but not verifiable here, "
                 "– unsigned")
# mutt's quoted0..quotedN: each level its own colour, all dimmed
QUOTE_STYLES = ("dim green", "dim cyan", "dim yellow", "dim magenta", "dim blue")
TRAILER_RE = re.compile(
    r"^\s*(Signed-off-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|"
    r"Co-developed-by|Nacked-by|Fixes|Link|Closes|Cc|Cc-stable|Message-Id):", re.I)
QUOTE_RE = re.compile(r"^((?:\s?>)+)")
HEADER_KEEP = ("From", "To", "Cc", "Date", "Subject")
MAX_RECIPIENTS = 4  # trimmed headers: a long Cc list is summarised


@dataclass(frozen=True)
class Line:
    """One logical line of a `LineView`; `tag` says what it stands for
    (a finding, a file header…), `wrap` whether it may be wrapped."""

    text: Text
    wrap: bool = True
    tag: Any = None
    indent: int = 0  # hanging indent of wrapped continuation rows


def clean(text: str) -> str:
    """Control characters become visible stand-ins (ESC → ␛), tabs expand."""
    out = []
    for ch in text.expandtabs(8):
        if ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x20:
            out.append(chr(0x2400 + ord(ch)))
        elif ord(ch) == 0x7F:
            out.append("␡")
        else:
            out.append("\ufffd")
    return "".join(out)


def when(date: dt.datetime, seconds: bool = False) -> str:
    """A mail's time in UTC, the one zone every screen shows (senders'
    zones differ; UTC orders a thread as the reader scans it)."""
    return f"{date.astimezone(dt.UTC):%Y-%m-%d %H:%M{':%S' if seconds else ''}} UTC"


def inert(text: str, style: str = "") -> Text:
    """Mail text as plain characters: never markup, never escapes."""
    return Text(clean(text), style=style)


def revision_signatures(found: dict[int, reviewer.Attestation]
                        ) -> list[tuple[int, reviewer.Attestation]]:
    """A revision's patches (the cover when it has none) with what their
    signatures attest, the one its mark tells first (ATTEST_ORDER)."""
    mails = sorted((k, a) for k, a in found.items() if k > 0) or sorted(found.items())
    return sorted(mails, key=lambda ka: ATTEST_ORDER.index(ka[1].status))


def severity_text(severity: reviewer.Severity) -> Text:
    return Text(f"{SEVERITY_MARK[severity]} {severity.value}", style=SEVERITY_STYLE[severity])


def finding_text(f: reviewer.Finding, with_location: bool = False) -> Text:
    out = Text()
    out.append(f"{SEVERITY_MARK[f.severity]} {f.rule_id} ", style=SEVERITY_STYLE[f.severity])
    if with_location:
        out.append(clean(reviewer.finding_location(f)) + ": ", style="bold")
    out.append_text(inert(f.message))
    if f.level == "tree":
        out.append(" (tree)", style="dim")
    return out


def _addresses(addrs: tuple[reviewer.Address, ...]) -> str:
    shown = ", ".join(str(a) for a in addrs[:MAX_RECIPIENTS])
    more = len(addrs) - MAX_RECIPIENTS
    return shown + (f", … and {more} more" if more > 0 else "")


def mail_lines(msg: reviewer.Message, revision: str = "") -> list[Line]:
    """A mail as mutt shows it: a few headers, then the body with quotes
    dimmed by depth, diffs coloured and trailers highlighted."""
    headers = {
        "From": str(msg.sender),
        "To": _addresses(msg.to),
        "Cc": _addresses(msg.cc),
        "Date": f"{msg.date.astimezone(dt.UTC):%a}, {when(msg.date, seconds=True)}"
                f" (sent at {msg.date:%z})",
        "Subject": msg.subject.full,
    }
    lines: list[Line] = []
    for name in HEADER_KEEP:
        if headers[name]:
            text = Text(f"{name}: ", style="bold")
            text.append_text(inert(headers[name], "bold" if name == "Subject" else ""))
            lines.append(Line(text))
    if revision:
        lines.append(Line(Text(f"Revision: {revision}", style="bold cyan")))
    lines.append(Line(Text("")))
    lines.extend(body_lines(msg.body))
    return lines


def body_lines(body: str) -> list[Line]:
    out: list[Line] = []
    in_diff = False
    in_sig = False
    for raw in body.splitlines():
        line = clean(raw)
        if line == "-- ":
            in_sig, in_diff = True, False
        if in_sig:
            out.append(Line(Text(line, style="dim")))
            continue
        if m := QUOTE_RE.match(line):
            depth = m.group(1).count(">")
            out.append(Line(Text(line, style=QUOTE_STYLES[(depth - 1) % len(QUOTE_STYLES)])))
            continue
        if line.startswith("diff --git "):
            in_diff = True
        if in_diff:
            out.append(Line(diff_line(line), wrap=False))
        elif TRAILER_RE.match(line):
            name, _, value = line.partition(":")
            text = Text(name + ":", style="bold magenta")
            text.append(value, style="magenta")
            out.append(Line(text))
        elif line == "---":
            out.append(Line(Text(line, style="dim")))
        else:
            out.append(Line(Text(line)))
    return out


def diff_line(line: str) -> Text:
    """Colour one line of a unified diff (already cleaned)."""
    if line.startswith(("diff --git", "index ", "--- ", "+++ ", "new file", "deleted file")):
        return Text(line, style="bold")
    if line.startswith("@@"):
        return Text(line, style="cyan")
    if line.startswith("+"):
        return Text(line, style="green")
    if line.startswith("-"):
        return Text(line, style="red")
    return Text(line)


def rangediff_lines(text: str) -> list[Line]:
    """git range-diff output: pair lines bold, the inner diff coloured."""
    out: list[Line] = []
    for raw in text.splitlines():
        line = clean(raw)
        inner = line[4:] if line.startswith("    ") else None
        if inner is None:
            style = "bold yellow" if " ! " in line else "bold green" if " = " in line else "bold"
            out.append(Line(Text(line, style=style), wrap=False))
        elif inner.startswith(("@@", "##")):
            out.append(Line(Text(line, style="cyan"), wrap=False))
        elif inner[:1] in ("+", "-"):
            out.append(Line(Text(line, style="green" if inner[0] == "+" else "red"), wrap=False))
        else:
            out.append(Line(Text(line), wrap=False))
    return out
