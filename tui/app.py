"""The Textual application: it owns the session, installs the screens and
the global bindings, and routes navigation.  Screens show things; the
`reviewer` core does things, in workers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

import reviewer
from tui import analysis, states
from tui.commands import ReviewerCommands, system_commands
from tui.helpdata import HelpSection
from tui.interpreter import Tuning
from tui.keeper import PREPARE_EVERY_S, Keeper
from tui.screens.base import BaseScreen, RuleAt, Target
from tui.screens.explain import ExplainScreen
from tui.screens.help import HelpScreen, app_help
from tui.screens.revisions import RevisionsScreen
from tui.session import Session

Work = RevisionsScreen


class ReviewerApp(App[int]):
    """Open a thread (and optionally a tree) for review."""

    CSS_PATH = ["styles/app.tcss", "styles/revisions.tcss", "styles/thread.tcss",
                "styles/patch.tcss", "styles/compare.tcss"]
    TITLE = "reviewer"
    COMMANDS = App.COMMANDS | {ReviewerCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help", tooltip="Show every key binding"),
        Binding("escape", "cancel_work", "Cancel", show=False, id="cancel",
                tooltip="Cancel the running apply/check work"),
        Binding("R", "home", "Revisions", show=False, id="home",
                tooltip="Back to the revision matrix from anywhere"),
    ]

    def __init__(self, source: str, options: reviewer.Options | None = None) -> None:
        super().__init__()
        analysis.prepare()  # before run() replaces stderr (see there)
        self.session = Session(source, options or reviewer.Options())
        self.revisions = RevisionsScreen()
        self.tuning = Tuning()
        self.keeper = Keeper(self)  # the screens go() reuses

    def on_mount(self) -> None:
        self.sub_title = self.session.title
        self.tuning.start()
        self.push_screen(self.revisions)
        self._preparing = self.set_interval(PREPARE_EVERY_S, self._prepare)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.keeper.busy()
        await super().on_event(event)

    def _prepare(self) -> None:
        if self.session.opened is not None and not self.keeper.prepare_one():
            self._preparing.stop()

    # -- results flow in from the work, and down to the screens --------------

    @on(Work.SourceLoaded)
    def _loaded(self, event: Work.SourceLoaded) -> None:
        self.session.opened = event.opened
        self.keeper.busy()  # the matrix comes, and keys with it
        self.tuning.freeze()
        self._refresh()

    @on(Work.SignaturesChecked)
    def _attested(self, event: Work.SignaturesChecked) -> None:
        self.session.attested.update(event.found)
        self.session.attest_problem = event.problem
        self._refresh()

    @on(Work.WorkStarted)
    def _started(self, event: Work.WorkStarted) -> None:
        self.session.state = event.phase
        self._refresh()

    @on(Work.ResultsArrived)
    def _results(self, event: Work.ResultsArrived) -> None:
        self.session.applies.update(event.applied)
        if event.checked:
            self.session.state = "checking"
            self.session.reports.update(event.checked)
        self._refresh()

    @on(Work.WorkFinished)
    def _finished(self, event: Work.WorkFinished) -> None:
        self.session.state = event.state
        self.tuning.freeze()  # the results are long-lived too
        self._refresh()
        self.revisions.record_checks()  # every result is in the session now

    @on(Work.ComparedAhead)
    def _compared_ahead(self, event: Work.ComparedAhead) -> None:
        a = event.ahead
        self.session.ahead[((a.series, a.old), (a.series, a.new))] = (a.inputs, a.comparison)

    @on(Work.ProblemFound)
    def _problem(self, event: Work.ProblemFound) -> None:
        self.session.problem = event.problem
        if event.fatal:
            self.session.state = "failed"
        self._refresh()

    def on_unmount(self) -> None:
        self.tuning.stop()

    # -- the review state: read and written in a thread (tui.states) ---------

    def run_state(self, access: Callable[[], states.StateResult]) -> None:
        """`access` to the store, in a thread; then the header shows the state."""
        self.run_worker(lambda: self.call_from_thread(self._show_states, states.guarded(access)),
                        thread=True, group="review-state", exit_on_error=False,
                        description="read or write the review state")

    def _show_states(self, result: states.StateResult) -> None:
        self.session.tracked.update(result.tracked)
        if result.message:
            self.notify(result.message, title="review state", markup=False,
                        severity="error" if result.error else "warning")
        self.sub_title = f"{self.session.title} — review: {self.session.review_line()}"

    def set_review_state(self, series: int, state: reviewer.ReviewState,
                         until: dt.date | None = None) -> None:
        opened = self.session.opened
        if opened is not None:
            self.run_state(lambda: states.set_state(opened.series, series, opened.loaded.source,
                                                    state, until))

    def _refresh(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BaseScreen):
                screen.refresh_session()

    # -- navigation -----------------------------------------------------------

    @on(BaseScreen.OpenRequested)
    def _open(self, event: BaseScreen.OpenRequested) -> None:
        self.go(event.target)

    def go(self, target: Target) -> None:
        if self.session.opened is None and not isinstance(target, RuleAt):
            self.notify("the thread is still loading", markup=False)
            return
        if isinstance(target, RuleAt):
            self.push_screen(ExplainScreen(target.rule_id))
        else:  # the kept screen of its kind (tui.keeper)
            self.push_screen(self.keeper.screen_for(target))

    def action_home(self) -> None:
        while len(self.screen_stack) > 2:  # [default screen, revisions, …]
            self.pop_screen()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections(type(self.screen))))

    def help_sections(self, current: type | None = None) -> list[HelpSection]:
        return app_help(type(self), current, lambda k: self.get_key_display(Binding(k, "")))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        return system_commands(self, super().get_system_commands(screen))

    def action_cancel_work(self) -> None:
        if self.revisions.cancel_work():
            self.notify("cancelling…", markup=False)

    def rerun(self) -> None:
        if self.session.opened is None:
            return
        self.session.reset_results()
        self.session.problem = None
        self.session.state = "applying" if self.session.tree else "checking"
        self._refresh()
        self.revisions.start_work(self.session.opened)


def make_app(source: str, options: reviewer.Options | None = None) -> ReviewerApp:
    """The one factory, used by the CLI and the tests."""
    return ReviewerApp(source, options)


def run_app(source: str, options: reviewer.Options | None = None) -> int:
    return make_app(source, options).run() or 0
