"""The Textual application: it owns the session, installs the screens and
the global bindings, and routes navigation.  Screens show things; the
`reviewer` core does things, in workers."""

from __future__ import annotations

from textual import on
from textual.app import App
from textual.binding import Binding

import reviewer
from tui import analysis
from tui.commands import ReviewerCommands
from tui.helpdata import HelpEntry, HelpSection, sections
from tui.interpreter import Tuning
from tui.screens.base import BaseScreen, CompareAt, PatchAt, RuleAt, Target, ThreadAt
from tui.screens.compare import CompareScreen
from tui.screens.explain import ExplainScreen
from tui.screens.help import HelpScreen
from tui.screens.patch import PatchScreen
from tui.screens.revisions import RevisionsScreen
from tui.screens.thread import ThreadScreen
from tui.session import Session
from tui.widgets.lineview import LineView
from tui.widgets.matrix import RevisionMatrix
from tui.widgets.searchbar import SearchBar
from tui.widgets.sidelists import FindingList, PairList, ReplyList
from tui.widgets.threadtree import ThreadTree

Work = RevisionsScreen
Kept = ThreadScreen | PatchScreen | CompareScreen  # composed once, reused (see go())
SCREENS: dict[type, type[Kept]] = {ThreadAt: ThreadScreen, PatchAt: PatchScreen,
                                   CompareAt: CompareScreen}


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
        self._kept: dict[type[Kept], Kept] = {}  # reused by go()

    def on_mount(self) -> None:
        self.sub_title = self.session.title
        self.tuning.start()
        self.push_screen(self.revisions)

    # -- results flow in from the work, and down to the screens --------------

    @on(Work.SourceLoaded)
    def _loaded(self, event: Work.SourceLoaded) -> None:
        self.session.opened = event.opened
        self.tuning.freeze()
        self._refresh()

    @on(Work.WorkStarted)
    def _started(self, event: Work.WorkStarted) -> None:
        self.session.state = event.phase
        self._refresh()

    @on(Work.RevisionApplied)
    def _applied(self, event: Work.RevisionApplied) -> None:
        self.session.applies[event.key] = event.result
        self._refresh()

    @on(Work.RevisionChecked)
    def _checked(self, event: Work.RevisionChecked) -> None:
        self.session.state = "checking"
        self.session.reports[event.key] = event.report
        self._refresh()

    @on(Work.WorkFinished)
    def _finished(self, event: Work.WorkFinished) -> None:
        self.session.state = event.state
        self.tuning.freeze()  # the results are long-lived too
        self._refresh()

    @on(Work.ProblemFound)
    def _problem(self, event: Work.ProblemFound) -> None:
        self.session.problem = event.problem
        if event.fatal:
            self.session.state = "failed"
        self._refresh()

    def on_unmount(self) -> None:
        self.tuning.stop()

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
        screen: ThreadScreen | PatchScreen | CompareScreen | ExplainScreen
        if isinstance(target, RuleAt):
            screen = ExplainScreen(target.rule_id)
        else:  # the kept one, unless stacked already (thread → patch → thread)
            kind = SCREENS[type(target)]
            kept = self._keep(kind)
            screen = kept if kept not in self.screen_stack else kind()
            screen.show_target(target)  # type: ignore[arg-type]  # kind matches target
        self.push_screen(screen)

    def _keep(self, kind: type[Kept]) -> Kept:
        """The one `kind` screen go() reuses: installed, so kept when popped."""
        if kind not in self._kept:
            self._kept[kind] = kind()
            self.install_screen(self._kept[kind], f"kept-{kind.__name__}")
        return self._kept[kind]

    def action_home(self) -> None:
        while len(self.screen_stack) > 2:  # [default screen, revisions, …]
            self.pop_screen()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections(type(self.screen))))

    def help_sections(self, current: type | None = None) -> list[HelpSection]:
        contexts: list[tuple[str, str, list[type]]] = [
            ("Everywhere", "", [ReviewerApp, BaseScreen]),
            ("Revisions", RevisionsScreen.HELP, [RevisionsScreen, RevisionMatrix]),
            ("Lists", "The findings and replies lists also move with j/k/g/G.",
             [FindingList, ReplyList]),
            ("Thread", ThreadScreen.HELP, [ThreadScreen, ThreadTree, LineView, SearchBar]),
            ("Patch", PatchScreen.HELP, [PatchScreen]),
            ("Compare", CompareScreen.HELP, [CompareScreen, PairList]),
            ("Pop-ups", "The help and the rule explanation.", [HelpScreen, ExplainScreen]),
        ]
        contexts.sort(key=lambda c: current not in c[2])  # the current screen first
        palette = HelpEntry(("^p",), "Commands", "Open the command palette", "command-palette")
        return sections(contexts, lambda k: self.get_key_display(Binding(k, "")),
                        {"Everywhere": [palette]})

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
