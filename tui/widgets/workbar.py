"""Progress of the background work (load, apply, check) and its outcome."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static


class WorkBar(Horizontal):
    """A progress bar while work runs; afterwards one line saying how it ended."""

    DEFAULT_CSS = """
    WorkBar { height: 1; padding: 0 1; }
    WorkBar ProgressBar { width: 40; }
    WorkBar #work-status { width: 1fr; padding: 0 1; }
    WorkBar.-idle ProgressBar { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=None, show_eta=False, id="work-progress")
        yield Static(id="work-status")

    def start(self, total: int | None, status: str) -> None:
        # no bar until the total is known: the indeterminate bar animates at
        # 60 fps and would take CPU (and the GIL) from the loading thread
        self.set_class(total is None, "-idle")
        self.query_one(ProgressBar).update(total=total, progress=0)
        self.say(Text(status))

    def advance(self, status: Text, steps: int = 1) -> None:
        self.query_one(ProgressBar).advance(steps)
        self.say(status)

    def finish(self, status: Text) -> None:
        self.add_class("-idle")
        self.say(status)

    def say(self, status: Text) -> None:
        self.query_one("#work-status", Static).update(status, layout=False)
