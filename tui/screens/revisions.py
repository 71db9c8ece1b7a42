"""The triage screen (the default): the revision matrix, an explanation of
the cell under the cursor, and the progress of the work.

It owns the background work because it is where the work is shown: one
thread worker loads the source and hands the series to a child process
(tui/analysis.py) that applies and checks each revision; the worker posts a
typed message per result.  The messages bubble up to the app,
which stores the results in the session and hands them down to screens.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Header, Static
from textual.worker import get_current_worker

import reviewer
from tui import analysis, states
from tui.analysis import Analysis
from tui.describe import cell_detail, cell_target, finished_status
from tui.render import ATTEST_LEGEND, inert
from tui.screens.base import BaseScreen, CompareAt, PatchAt, ThreadAt
from tui.session import Key, Problem
from tui.widgets.keyfooter import KeyFooter
from tui.widgets.matrix import RevisionMatrix
from tui.widgets.sidelists import FindingList
from tui.widgets.workbar import WorkBar

# Signatures are shown in batches this far apart: each batch repaints the
# screens (~5 ms of the UI thread on 20 revisions), which a message per
# revision would do while the user's first keys wait (gpg runs per
# OpenPGP-signed mail, so a batch can still be a while coming).
ATTEST_BATCH_S = 0.25
# Results (a revision applied or checked) come together at most this often:
# each message repaints the screens, and a fast run (cached results, small
# revisions) would otherwise queue one repaint per result before the keys.
RESULTS_BATCH_S = 0.25


class RevisionsScreen(BaseScreen):
    HELP = ("Triage: one row per revision, its label in the colour of its worst finding "
            "(green only when it applied and has none): the base it was put on (? when "
            "nothing in the mails chose it), whether it applies (✓ all, ✗ at the patch "
            "that failed; 'diff': not applied, so its findings come from the diffs alone), "
            "the findings by severity (● error, ▲ warning, ◆ info) and by check family, "
            "the replies, the Acked·Reviewed·Tested trailers given (A·R·T) and what the "
            "patches' signatures attest (sig: " + ATTEST_LEGEND + "; DKIM keys are in DNS "
            "and not looked up here: `reviewer revisions --dkim` does).  The line below "
            "the matrix explains the cell under the cursor; Enter opens what is behind "
            "it: the failing patch, the first finding (errors first), the thread, or the "
            "patch whose signature the mark tells.")
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="quit", tooltip="Leave reviewer"),
        Binding("enter", "open_cell", "Open", id="revisions.open",
                tooltip="Open what is behind the cell: patch, finding or thread"),
        Binding("t", "thread", "Thread", id="revisions.thread",
                tooltip="Read the thread (reply tree and mails)"),
        Binding("c", "compare", "Compare", id="revisions.compare",
                tooltip="Compare this revision with the one before"),
        Binding("r", "rerun", "Re-run", id="revisions.rerun",
                tooltip="Apply and check every revision again"),
    ]

    class WorkReported(Message):
        """Base of the work's messages; `run` tells a stale run's apart."""

        def __init__(self, run: int) -> None:
            super().__init__()
            self.run = run

    class SourceLoaded(WorkReported):
        def __init__(self, run: int, opened: reviewer.Opened) -> None:
            super().__init__(run)
            self.opened = opened

    class WorkStarted(WorkReported):
        def __init__(self, run: int, total: int, phase: str) -> None:
            super().__init__(run)
            self.total = total
            self.phase = phase

    class ResultsArrived(WorkReported):
        """Revisions applied and revisions checked since the last such
        message, in the order they came (see RESULTS_BATCH_S)."""

        def __init__(self, run: int, applied: dict[Key, reviewer.ApplyResult],
                     checked: dict[Key, reviewer.RevisionReport]) -> None:
            super().__init__(run)
            self.applied = applied
            self.checked = checked

    class ProblemFound(WorkReported):
        """Something failed; `fatal` when nothing more can be shown."""

        def __init__(self, run: int, problem: Problem, fatal: bool) -> None:
            super().__init__(run)
            self.problem = problem
            self.fatal = fatal

    class SignaturesChecked(Message):
        """What the signatures of some revisions attest; `problem`: why
        the rest could not be checked.  Not tied to a run (a re-run does
        not change the mails)."""

        def __init__(self, found: dict[Key, dict[int, reviewer.Attestation]],
                     problem: str | None = None) -> None:
            super().__init__()
            self.found = found
            self.problem = problem

    class ComparedAhead(WorkReported):
        """Two revisions compared once the run was done (analysis.ComparedAhead)."""

        def __init__(self, run: int, ahead: analysis.ComparedAhead) -> None:
            super().__init__(run)
            self.ahead = ahead

    class WorkFinished(WorkReported):
        def __init__(self, run: int, state: str, applied: int, checked: int,
                     not_applied: int = 0) -> None:
            super().__init__(run)
            self.state = state  # "done" or "cancelled"
            self.applied = applied
            self.checked = checked
            self.not_applied = not_applied

    def __init__(self) -> None:
        super().__init__()
        self.run_id = 0
        self._listed: tuple[Key, bool, int] | None = None  # what the list shows

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("opening…", style="dim"), id="series-title")
        yield RevisionMatrix(id="matrix")
        yield Static(id="cell-detail")
        yield Static("Findings", id="findings-title", classes="side-title")
        yield FindingList(id="rev-findings")
        yield WorkBar(id="workbar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(WorkBar).start(None, f"opening {self.session.title}…")
        self.start_work(None)

    def start_work(self, opened: reviewer.Opened | None) -> None:
        """(Re)start the work; a running one is cancelled (exclusive worker)."""
        self.run_id += 1
        self.run_work(self.run_id, self.session.source, self.session.options, opened)

    # -- the work (runs in a thread; talks only through post_message) ---------

    @work(thread=True, exclusive=True, group="analysis", name="analysis", exit_on_error=False,
          description="open, apply and check the thread")  # no repr() of the arguments
    def run_work(self, run: int, source: str, options: reviewer.Options,
                 opened: reviewer.Opened | None) -> None:
        worker = get_current_worker()
        try:
            with Analysis() as analysis:  # starts the child while the source is parsed
                if opened is None:
                    opened = reviewer.open_source(source, options.lore, options.offline)
                    self.post_message(self.SourceLoaded(run, opened))
                for batch in analysis.batches(opened, options, lambda: worker.is_cancelled,
                                              RESULTS_BATCH_S):
                    for message in self._messages(run, batch):
                        self.post_message(message)
        except Exception as exc:
            self.post_message(self.ProblemFound(run, Problem.of(exc), fatal=True))

    def _messages(self, run: int, batch: list[analysis.Event]) -> list[WorkReported]:
        """One message for the batch's results, one for each other event
        (the end last)."""
        applied: dict[Key, reviewer.ApplyResult] = {}
        checked: dict[Key, reviewer.RevisionReport] = {}
        others: list[RevisionsScreen.WorkReported] = []
        for event in batch:
            match event:
                case reviewer.RevisionApplied(si, result):
                    applied[(si, result.label)] = result
                case reviewer.RevisionChecked(si, report):
                    checked[(si, report.label)] = report
                case _:
                    if (message := self._message(run, event)) is not None:
                        others.append(message)
        results = [self.ResultsArrived(run, applied, checked)] if applied or checked else []
        end = [m for m in others if isinstance(m, self.WorkFinished)]
        return [m for m in others if m not in end] + results + end

    def _message(self, run: int, event: analysis.Event) -> WorkReported | None:
        match event:
            case reviewer.Started(total, phase, _tree):
                return self.WorkStarted(run, total, phase)
            case reviewer.Failed(error, fatal):
                return self.ProblemFound(run, Problem.of(error), fatal)
            case analysis.Crashed(problem):
                return self.ProblemFound(run, problem, True)
            case reviewer.Notice(message):
                return self.ProblemFound(run, Problem("notice", message), False)
            case reviewer.Finished(state, applied, checked, not_applied):
                return self.WorkFinished(run, state, applied, checked, not_applied)
            case analysis.ComparedAhead():
                return self.ComparedAhead(run, event)
        return None  # progress: the results themselves are counted

    @work(thread=True, exclusive=True, group="attest", name="attest", exit_on_error=False,
          description="check the patches' signatures")
    def attest_work(self, opened: reviewer.Opened) -> None:
        """Each revision's signatures, with the keys `reviewer revisions`
        finds from here; DKIM is not looked up (its keys are in DNS)."""
        worker = get_current_worker()
        found: dict[Key, dict[int, reviewer.Attestation]] = {}
        told = time.monotonic()
        try:
            sources = reviewer.keyring_sources()
            for si, series in enumerate(opened.series):
                for rev in series.revisions:
                    if worker.is_cancelled:
                        return
                    found[(si, rev.label)] = reviewer.attest_revision(
                        rev, sources, no_dns="not looked up here; `reviewer revisions --dkim` "
                        "does")
                    if time.monotonic() - told > ATTEST_BATCH_S:
                        self.post_message(self.SignaturesChecked(found))
                        found, told = {}, time.monotonic()
        except Exception as exc:
            self.post_message(self.SignaturesChecked(found, Problem.of(exc).message))
            return
        self.post_message(self.SignaturesChecked(found))

    def cancel_work(self) -> bool:
        running = [w for w in self.workers if w.group == "analysis" and w.is_running]
        for w in running:
            w.cancel()
        return bool(running)

    # -- progress (the app stores the results; this only moves the bar) -------

    @on(SourceLoaded)
    @on(WorkStarted)
    @on(ResultsArrived)
    @on(ProblemFound)
    @on(WorkFinished)
    @on(ComparedAhead)
    def _drop_stale(self, event: WorkReported) -> None:
        """A cancelled run may still report: keep that from the app."""
        if event.run != self.run_id:
            event.stop()
            event.prevent_default()

    @on(SourceLoaded)
    def _source_loaded(self, event: SourceLoaded) -> None:
        """What does not wait for the checks: the signatures, the review state."""
        if event.run != self.run_id:
            return
        opened = event.opened
        self.attest_work(opened)
        self.reviewer_app.run_state(lambda: states.read_states(opened.series,
                                                               opened.loaded.source))

    @on(WorkStarted)
    def _started(self, event: WorkStarted) -> None:
        if event.run != self.run_id:
            return
        self.query_one(WorkBar).start(event.total, f"{event.phase}…")

    @on(ResultsArrived)
    def _results(self, event: ResultsArrived) -> None:
        if event.run != self.run_id:
            return
        news = [Text(f"applied {label}") if result.applied else
                Text(f"{label} did not apply: diff-level findings only", style="yellow")
                for (_si, label), result in event.applied.items()]
        if event.checked:
            news.append(Text(f"checked {', '.join(label for _si, label in event.checked)}"))
        self.query_one(WorkBar).advance(Text("; ").join(news),
                                        len(event.applied) + len(event.checked))

    @on(WorkFinished)
    def _finished(self, event: WorkFinished) -> None:
        if event.run != self.run_id or event.state == "failed":  # the problem stays shown
            return
        if event.state == "cancelled":
            status = Text(f"cancelled: {event.applied} revision(s) applied, {event.checked} "
                          "checked; r re-runs", style="yellow")
        else:
            status = finished_status(event.applied, event.checked, event.not_applied)
        self.query_one(WorkBar).finish(status)

    def record_checks(self) -> None:
        """Keep the checks' summaries for `reviewer list`, as `reviewer check`
        does.  The app calls it: the results reach it after this screen."""
        opened, reports = self.session.opened, dict(self.session.reports)
        if opened is not None and reports:
            self.reviewer_app.run_state(lambda: states.record_checks(
                opened.series, opened.loaded.source, reports))

    @on(ProblemFound)
    def _problem(self, event: ProblemFound) -> None:
        if event.run != self.run_id:
            return
        text = inert(f"{event.problem.title}: {event.problem.message}", "bold red")
        if event.fatal:
            self.query_one(WorkBar).finish(text)
            if self.session.opened is None:
                self.query_one("#series-title", Static).update(text)
        else:
            self.notify(str(text), title=event.problem.title, severity="warning", markup=False)

    # -- showing the session --------------------------------------------------

    def refresh_session(self) -> None:
        opened = self.session.opened
        if opened is None:
            return
        titles = " · ".join(s.title for s in opened.series)
        head = inert(titles, "bold")
        head.append(f"   {len(opened.thread)} messages, "
                    f"{sum(len(s.revisions) for s in opened.series)} revisions", style="dim")
        if opened.thread.missing:
            head.append(f", {len(opened.thread.missing)} missing parent(s)", style="dim")
        self.query_one("#series-title", Static).update(head, layout=False)
        matrix = self.query_one(RevisionMatrix)
        matrix.show(self.session)
        self._explain()

    def current_series(self) -> int | None:
        where = self.query_one(RevisionMatrix).current()
        return where[0][0] if where else None

    def _explain(self) -> None:
        where = self.query_one(RevisionMatrix).current()
        if where is not None:
            self._show_cell(*where)

    def _show_cell(self, key: Key, column: str) -> None:
        """The cell's explanation, and the findings of its revision below."""
        self.query_one("#cell-detail", Static).update(cell_detail(self.session, key, column),
                                                      layout=False)
        findings = list(self.session.findings(key))
        state = (key, key in self.session.reports, len(findings))
        if state == self._listed:
            return
        self._listed = state
        rev = self.session.revision(key)
        self.query_one("#findings-title", Static).update(
            f"Findings of {rev.label} ({len(findings)}) — Enter opens one", layout=False)
        empty = "no findings" if key in self.session.reports else "not checked yet"
        self.query_one(FindingList).show(findings, empty)

    @on(RevisionMatrix.CellFocused)
    def _focused(self, event: RevisionMatrix.CellFocused) -> None:
        self._show_cell(event.key, event.column)

    @on(FindingList.FindingChosen)
    def _finding_chosen(self, event: FindingList.FindingChosen) -> None:
        key = self._listed[0] if self._listed else None
        if key is None:
            return
        rev = self.session.revision(key)
        home = 0 if rev.cover is not None or not rev.patches else rev.patches[0].index
        self.open(PatchAt(key, event.finding.patch or home, event.finding))

    @on(RevisionMatrix.CellOpened)
    def _opened(self, event: RevisionMatrix.CellOpened) -> None:
        self._open(event.key, event.column)

    def _open(self, key: Key, column: str) -> None:
        target = cell_target(self.session, key, column)
        if isinstance(target, str):
            self.notify(target, markup=False)
        elif target[0] == "patch":
            self.open(PatchAt(key, target[1], target[2]))
        else:
            self.open(ThreadAt(self.session.revision(key).first_message.msgid))

    def action_open_cell(self) -> None:
        if (where := self.query_one(RevisionMatrix).current()) is not None:
            self._open(*where)

    def action_thread(self) -> None:
        where = self.query_one(RevisionMatrix).current()
        msgid = self.session.revision(where[0]).first_message.msgid if where else None
        self.open(ThreadAt(msgid))

    def action_compare(self) -> None:
        where = self.query_one(RevisionMatrix).current()
        self.open(CompareAt(where[0] if where else None))

    def action_rerun(self) -> None:
        self.reviewer_app.rerun()
