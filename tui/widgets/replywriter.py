"""Writing a review reply draft, from `w` to the file: prepared and written
in a worker (tui.drafting), an existing file replaced only when the user
says so, then opened in $EDITOR with the app suspended, and last the offer
to mark the series replied (`reviewer reply` leaves the state as it is;
here the user decides).  An invisible widget of the patch screen, so the
worker and its messages live as long as the screen does."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import SuspendNotSupported
from textual.message import Message
from textual.widget import Widget

import reviewer
from tui import drafting, states
from tui.render import inert
from tui.screens.prompts import Confirm
from tui.session import Problem

if TYPE_CHECKING:
    from tui.app import ReviewerApp


class ReplyWriter(Widget):
    DEFAULT_CSS = "ReplyWriter { display: none; }"

    class FileExisted(Message):
        """The draft is ready, but its file exists: ask before replacing it."""

        def __init__(self, prepared: drafting.Prepared) -> None:
            super().__init__()
            self.prepared = prepared

    class Written(Message):
        """The draft is in its file."""

        def __init__(self, prepared: drafting.Prepared) -> None:
            super().__init__()
            self.prepared = prepared

    class Failed(Message):
        def __init__(self, problem: Problem) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self) -> None:
        super().__init__()
        self.series = 0  # whose state `replied` would be set

    @property
    def _app(self) -> ReviewerApp:
        return cast("ReviewerApp", self.app)

    def write(self, request: drafting.DraftRequest, series: int) -> None:
        self.series = series
        self._prepare(request)

    @work(thread=True, exclusive=True, group="reply", exit_on_error=False,
          description="write a reply draft")
    def _prepare(self, request: drafting.DraftRequest) -> None:
        try:
            prepared = drafting.prepare(request)
            exists = prepared.path.exists()
            if not exists:
                drafting.write(prepared, replace=False)
        except Exception as exc:
            self.post_message(self.Failed(Problem.of(exc)))
            return
        self.post_message(self.FileExisted(prepared) if exists else self.Written(prepared))

    @work(thread=True, exclusive=True, group="reply", exit_on_error=False,
          description="replace a reply draft")
    def _replace(self, prepared: drafting.Prepared) -> None:
        try:
            drafting.write(prepared, replace=True)
        except Exception as exc:
            self.post_message(self.Failed(Problem.of(exc)))
            return
        self.post_message(self.Written(prepared))

    @on(FileExisted)
    def _exists(self, event: FileExisted) -> None:
        path = event.prepared.path

        def answered(replace: bool | None) -> None:
            if replace:
                self._replace(event.prepared)
            else:
                self.notify(f"not written: {path} is kept as it was", markup=False)

        self.app.push_screen(Confirm(inert(f"{path} exists.  Replace it with the new draft?",
                                           "bold")), answered)

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.notify(event.problem.message, title=f"no draft written: {event.problem.title}",
                    severity="error", markup=False)

    @on(Written)
    def _written(self, event: Written) -> None:
        prepared = event.prepared
        self.notify(f"wrote {prepared.path}: {prepared.summary()}", title="reply draft",
                    markup=False, timeout=8)
        self.edit(prepared.path)
        self._offer_replied()

    def edit(self, path: Path) -> None:
        """Open `path` in $EDITOR on the terminal, the app suspended meanwhile."""
        try:
            argv = drafting.editor_command(path)
        except ValueError as exc:
            self.notify(f"$EDITOR cannot be split into words ({exc}); the draft is {path}",
                        severity="warning", markup=False)
            return
        if argv is None:
            return
        try:
            with self.app.suspend():
                code = drafting.run_editor(argv)
        except SuspendNotSupported:
            self.notify(f"this terminal cannot be handed to $EDITOR; the draft is {path}",
                        severity="warning", markup=False)
        except OSError as exc:
            self.notify(f"cannot run $EDITOR ({argv[0]}): {exc.strerror or exc}; "
                        f"the draft is {path}", severity="error", markup=False)
        else:
            if code:
                self.notify(f"$EDITOR exited with status {code}", severity="warning",
                            markup=False)

    def _offer_replied(self) -> None:
        session, si = self._app.session, self.series
        tracked = session.tracked.get(si)
        if tracked is not None and tracked.current() is reviewer.ReviewState.REPLIED:
            return
        title = session.opened.series[si].title if session.opened else ""
        question = inert(f"Mark the series as replied?  ({title}: now "
                         f"{states.describe(tracked)})", "bold")

        def answered(yes: bool | None) -> None:
            if yes:
                self._app.set_review_state(si, reviewer.ReviewState.REPLIED)

        self.app.push_screen(Confirm(question), answered)
