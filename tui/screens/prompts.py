"""Small pop-ups that ask one thing: a line of text, yes or no, or a review
state.  Each returns its answer through `dismiss` (None: the user backed
out with Esc), so the screen that asked goes on in its callback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

import reviewer
from tui.render import inert

STATE_HELP = (
    "s on any screen sets the review state of the series shown, kept across runs as "
    "`reviewer state` keeps it and shown in the header: new → reviewing → replied → "
    "waiting (for a new revision; a newer one seen later is said) → accepted or "
    "rejected; z snoozes it until a date (YYYY-MM-DD, +3d, +2w), after which the state "
    "before is back.  Writing a reply draft (w in a patch) offers to mark it replied.")
# The keys of the state menu: a letter each, as `reviewer state` names them.
STATE_KEYS = (("n", reviewer.ReviewState.NEW), ("v", reviewer.ReviewState.REVIEWING),
              ("r", reviewer.ReviewState.REPLIED), ("w", reviewer.ReviewState.WAITING),
              ("a", reviewer.ReviewState.ACCEPTED), ("x", reviewer.ReviewState.REJECTED),
              ("z", reviewer.ReviewState.SNOOZED))


class TextPrompt(ModalScreen[str | None]):
    """One line of text; Enter gives it (maybe empty), Esc gives None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel",
                tooltip="Close without changing anything"),
    ]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="prompt")
        self._title, self._value, self._placeholder = title, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Static(inert(self._title, "bold"), classes="prompt-title")
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static(Text("Enter: done   Esc: cancel", style="dim"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes-or-no question; anything but y is no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Answer yes"),
        Binding("n,escape,q", "answer(False)", "No", id="confirm.no",
                tooltip="Answer no (nothing changes); q backs out as everywhere"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__(classes="prompt")
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Static(self._question, classes="prompt-title")
            yield Static(Text("y: yes   n or Esc: no", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class StateMenu(ModalScreen[reviewer.ReviewState | None]):
    """The review states a key each; z asks for a date next."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"choose('{state.value}')", state.value.capitalize(),
                  id=f"state.{state.value}",
                  tooltip=("Snooze until a date (then back to the state before)"
                           if state is reviewer.ReviewState.SNOOZED
                           else f"Set the series' review state to '{state.value}'"))
          for key, state in STATE_KEYS),
        Binding("escape,q", "choose('')", "Cancel", id="state.cancel",
                tooltip="Close without changing the state"),
    ]

    def __init__(self, title: str, now: str) -> None:
        super().__init__(classes="prompt")
        self._title, self._now = title, now

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Static(inert(f"Review state of {self._title}", "bold"),
                         classes="prompt-title")
            yield Static(inert(f"now: {self._now}"))
            menu = Text()
            for key, state in STATE_KEYS:
                menu.append(f" {key} ", style="bold reverse").append(f" {state.value}   ")
            yield Static(menu)
            yield Static(Text("Esc: cancel", style="dim"))

    def action_choose(self, value: str) -> None:
        self.dismiss(reviewer.ReviewState(value) if value else None)
