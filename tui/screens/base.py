"""What every screen shares: the session, `q` to go back, Tab between panes,
`s` to set the review state of the series on screen, and `OpenRequested`,
the one message screens send to go somewhere else (the app decides which
screen that is, so screens never import each other)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

import reviewer
from tui.screens.prompts import StateMenu, TextPrompt
from tui.session import Key, Session

if TYPE_CHECKING:
    from tui.app import ReviewerApp


@dataclass(frozen=True)
class ThreadAt:
    msgid: str | None = None


@dataclass(frozen=True)
class PatchAt:
    key: Key
    index: int
    finding: reviewer.Finding | None = None


@dataclass(frozen=True)
class CompareAt:
    new: Key | None = None


@dataclass(frozen=True)
class RuleAt:
    rule_id: str


Target = ThreadAt | PatchAt | CompareAt | RuleAt

# Below this width a screen with a side pane hides it, so that its diff keeps
# 70 columns (a 44-column side pane and its border beside it); `o` brings it back.
SIDE_PANE_WIDTH = 115
SIDE_PANE = Binding("o", "toggle_side", "Side pane", id="side-pane",
                    tooltip="Show or hide the side pane (hidden at first on a narrow "
                    "terminal, so the diff keeps 70 columns)")


class BaseScreen(Screen[None]):
    HELP: ClassVar[str] = ""  # one paragraph for the help screen
    # False: composed ahead of its first visit (ReviewerApp.prepare_screens),
    # it has nothing to show until show_target() gives it a target
    aimed = True
    BINDINGS = [
        Binding("q", "back", "Back", id="back", tooltip="Go back to the previous screen"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="pane.next",
                tooltip="Move the focus to the next pane"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False,
                id="pane.previous", tooltip="Move the focus to the previous pane"),
        Binding("s", "review_state", "State", id="review-state",
                tooltip="Set the review state of this series (kept as `reviewer state` "
                "keeps it)"),
    ]

    class OpenRequested(Message):
        """Open another screen at `target`."""

        def __init__(self, target: Target) -> None:
            super().__init__()
            self.target = target

    @property
    def reviewer_app(self) -> ReviewerApp:
        from tui.app import ReviewerApp

        return cast(ReviewerApp, self.app)

    @property
    def session(self) -> Session:
        return self.reviewer_app.session

    @on(events.Mount)
    def _styled(self) -> None:
        self._resumed_theme = self.app.theme  # mounting applied the styles

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """A kept screen (see ReviewerApp.go) is pushed again and again: its
        styles only need applying anew (~15 ms) when the theme changed.
        Textual calls a message's handlers from the subclass up, so this runs
        before Screen's own, which reads the event's `refresh_styles`."""
        theme = self.app.theme
        if getattr(self, "_resumed_theme", None) == theme:
            event.refresh_styles = False
        self._resumed_theme = theme

    def fit_width(self) -> None:
        """Give the screen now the width class (HORIZONTAL_BREAKPOINTS) of the
        terminal.  Screen sets it on its Resize, which on a first visit comes
        after the first layout: the class change then restyles the screen
        and lays it out once more (~15 ms of the visit)."""
        points = self.HORIZONTAL_BREAKPOINTS or self.app.HORIZONTAL_BREAKPOINTS or []
        width = self.app.size.width
        fits = next((name for at, name in sorted(points, reverse=True) if width >= at), None)
        self.update_classes({name: name == fits for _, name in points})

    def open(self, target: Target) -> None:
        self.post_message(self.OpenRequested(target))

    def refresh_session(self) -> None:
        """Results changed (a revision applied or checked): show them."""

    def action_back(self) -> None:
        self.dismiss()

    def action_toggle_side(self) -> None:
        """Screens with a side pane bind `o` (SIDE_PANE) and style `-side-toggled`."""
        self.toggle_class("-side-toggled")

    # -- the review state -----------------------------------------------------

    def current_series(self) -> int | None:
        """The series this screen is about (None: none in particular)."""
        return None

    def action_review_state(self) -> None:
        opened = self.session.opened
        series = self.current_series()
        if opened is not None and series is None and len(opened.series) == 1:
            series = 0
        if opened is None or series is None:
            self.notify("no series here: choose one in the revisions matrix (R)",
                        markup=False)
            return
        si = series

        def chosen(state: reviewer.ReviewState | None) -> None:
            if state is reviewer.ReviewState.SNOOZED:
                self.app.push_screen(TextPrompt("Snooze until", placeholder="YYYY-MM-DD, +3d "
                                                "or +2w"), lambda text: self._snooze(si, text))
            elif state is not None:
                self.reviewer_app.set_review_state(si, state)

        self.app.push_screen(StateMenu(opened.series[si].title, self.session.review_state(si)),
                             chosen)

    def _snooze(self, series: int, text: str | None) -> None:
        if not text:
            return
        try:
            until = reviewer.parse_until(text, dt.date.today())
        except reviewer.ReviewerError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.reviewer_app.set_review_state(series, reviewer.ReviewState.SNOOZED, until)
