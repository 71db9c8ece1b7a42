"""The triage matrix: one row per revision; apply status, each check family
and counts by severity as columns, coloured by the worst severity."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

import reviewer
from tui.render import SEVERITY_MARK, SEVERITY_STYLE, clean, inert
from tui.session import Key, Session

SEVERITIES = tuple(reviewer.Severity)
SHORT = {reviewer.Severity.ERROR: "err", reviewer.Severity.WARNING: "warn",
         reviewer.Severity.INFO: "info"}


def family_of(rule_id: str) -> str:
    return rule_id.rstrip("0123456789")


def worst(findings: tuple[reviewer.Finding, ...] | list[reviewer.Finding]
          ) -> reviewer.Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def _waiting(session: Session) -> Text:
    running = session.state in ("loading", "applying", "checking")
    return Text("…" if running else "–", style="dim")


def apply_cell(session: Session, key: Key) -> Text:
    result = session.applies.get(key)
    if result is None:
        if session.tree is None or session.problem is not None:
            return Text("no tree", style="dim")
        return _waiting(session)
    if result.error:
        return Text("✗ no base", style="bold red")
    total = len(result.patches)
    if result.applied:
        three_way = any(p.status is reviewer.PatchStatus.APPLIED_3WAY for p in result.patches)
        return Text(f"✓ {total}/{total}" + (" 3w" if three_way else ""),
                    style="yellow" if three_way else "green")
    failed = result.failed
    return Text(f"✗ at {failed.index if failed else '?'}/{total}", style="bold red")


def family_cell(session: Session, key: Key, family: str) -> Text:
    report = session.reports.get(key)
    if report is None:
        return _waiting(session)
    outcomes = [o for o in report.outcomes if family_of(o.rule_id) == family]
    if not outcomes:
        return Text("no rules", style="dim")
    found = [f for f in report.findings if family_of(f.rule_id) == family]
    sev = worst(found)
    text = (Text(f"{len(found)} {SEVERITY_MARK[sev]}", style=SEVERITY_STYLE[sev]) if sev
            else Text("✓", style="green"))
    broken = sum(o.status == "error" for o in outcomes)
    skipped = sum(o.status == "skipped" for o in outcomes)
    if broken:
        text.append(f" {broken}!", style="magenta")
    if skipped:
        text.append(f" {skipped} skip", style="dim")
    return text


def severity_cell(session: Session, key: Key, severity: reviewer.Severity) -> Text:
    report = session.reports.get(key)
    if report is None:
        return _waiting(session)
    n = sum(f.severity is severity for f in report.findings)
    return Text(str(n), style=SEVERITY_STYLE[severity]) if n else Text("0", style="dim")


def row_severity(session: Session, key: Key) -> reviewer.Severity | None:
    result = session.applies.get(key)
    if result is not None and not result.applied:
        return reviewer.Severity.ERROR
    return worst(session.findings(key))


def rev_cell(session: Session, key: Key, rev: reviewer.Revision) -> Text:
    label = rev.label if len(session.opened.series if session.opened else ()) < 2 \
        else f"S{key[0] + 1} {rev.label}"
    flags = "".join(f" {f}" for f, on in (("RFC", rev.rfc), ("RESEND", rev.resend)) if on)
    sev = row_severity(session, key)
    style = f"bold {SEVERITY_STYLE[sev]}" if sev else "bold green"
    return Text(label, style=style).append(flags, style="dim")


def patches_cell(rev: reviewer.Revision) -> Text:
    text = Text(f"{len(rev.patches)}/{rev.expected}")
    if rev.missing:
        text.append(f" -{','.join(map(str, rev.missing))}", style="bold red")
    return text


class RevisionMatrix(DataTable[Text]):
    """Revisions × results.  Enter opens what is behind the cell."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="matrix.down",
                tooltip="Next revision"),
        Binding("k", "cursor_up", "Up", show=False, id="matrix.up", tooltip="Previous revision"),
        Binding("h", "cursor_left", "Left", show=False, id="matrix.left",
                tooltip="Previous column"),
        Binding("l", "cursor_right", "Right", show=False, id="matrix.right",
                tooltip="Next column"),
        Binding("g", "scroll_top", "First", show=False, id="matrix.top",
                tooltip="First revision"),
        Binding("G", "scroll_bottom", "Last", show=False, id="matrix.bottom",
                tooltip="Last revision"),
    ]

    class CellOpened(Message):
        """Enter (or a click) on a cell: open what is behind it."""

        def __init__(self, key: Key, column: str) -> None:
            super().__init__()
            self.key = key
            self.column = column

    class CellFocused(Message):
        """The cursor is on another cell: explain it."""

        def __init__(self, key: Key, column: str) -> None:
            super().__init__()
            self.key = key
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=True)
        self._keys: list[Key] = []
        self._families: tuple[str, ...] = ()
        self._shown: dict[tuple[Key, str], Text] = {}

    def columns_for(self, families: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """(key, label, width): fixed widths, so an update never re-measures."""
        return ([("rev", "rev", 8), ("title", "title", 24), ("patches", "patches", 7),
                 ("apply", "apply", 10)]
                + [(f, f, 11) for f in families]
                + [(s.value, f"{SEVERITY_MARK[s]} {SHORT[s]}", 6) for s in SEVERITIES]
                + [("replies", "replies", 7)])

    def show(self, session: Session) -> None:
        """Fill or update the matrix from the session (keeps the cursor)."""
        revisions = session.revisions()
        keys = [key for key, _ in revisions]
        columns = self.columns_for(session.families)
        if keys != self._keys or session.families != self._families:
            self.clear(columns=True)
            self._families = session.families
            self._shown.clear()
            for col_key, label, width in columns:
                self.add_column(label, key=col_key, width=width)
            for key, rev in revisions:
                cells = self._cells(session, key, rev)
                self.add_row(*cells, key=f"{key[0]}:{key[1]}")
                self._shown.update({(key, c[0]): cell for c, cell in zip(columns, cells,
                                                                         strict=True)})
            self._keys = keys
            return
        for key, rev in revisions:
            for (col_key, _, _), cell in zip(columns, self._cells(session, key, rev),
                                             strict=True):
                if self._shown.get((key, col_key)) != cell:  # repaint only what changed
                    self._shown[(key, col_key)] = cell
                    self.update_cell(f"{key[0]}:{key[1]}", col_key, cell)

    def _cells(self, session: Session, key: Key, rev: reviewer.Revision) -> list[Text]:
        title = clean(rev.title)
        return ([rev_cell(session, key, rev), inert(title[:23] + "…" if len(title) > 24
                                                       else title),
                 patches_cell(rev), apply_cell(session, key)]
                + [family_cell(session, key, f) for f in self._families]
                + [severity_cell(session, key, s) for s in SEVERITIES]
                + [Text(str(len(rev.replies)))])

    def current(self) -> tuple[Key, str] | None:
        if not self._keys or self.row_count == 0:
            return None
        row, col = self.cursor_coordinate
        columns = self.columns_for(self._families)
        return self._keys[min(row, len(self._keys) - 1)], columns[min(col, len(columns) - 1)][0]

    @on(DataTable.CellSelected)
    def _selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        if (where := self.current()) is not None:
            self.post_message(self.CellOpened(*where))

    @on(DataTable.CellHighlighted)
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        if (where := self.current()) is not None:
            self.post_message(self.CellFocused(*where))
