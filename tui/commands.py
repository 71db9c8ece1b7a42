"""The command palette (ctrl+p): the main actions, every patch of every
revision, every rule's explanation, and Textual's own commands with the
screenshot saved where it can be found."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider

import reviewer
from tui.render import clean
from tui.screens.base import CompareAt, PatchAt, RuleAt, Target, ThreadAt

if TYPE_CHECKING:
    from tui.app import ReviewerApp


class ReviewerCommands(Provider):
    @property
    def _app(self) -> ReviewerApp:
        return cast("ReviewerApp", self.app)

    def _main(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self._app
        return [
            ("Revisions: the triage matrix", app.action_home, "Back to the revision matrix"),
            ("Thread: read the thread", partial(app.go, ThreadAt()), "Reply tree and mails"),
            ("Compare revisions", partial(app.go, CompareAt()),
             "Range-diff and new/fixed/persisting findings"),
            ("Re-run apply and checks", app.rerun, "Apply and check every revision again"),
            ("Cancel running work", app.action_cancel_work, "Stop applying and checking"),
            ("Help: keys", app.action_help, "Every key binding"),
        ]

    def _all(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        yield from self._main()
        session = self._app.session
        for key, rev in session.revisions():
            for p in rev.patches:
                target: Target = PatchAt(key, p.index)
                yield (f"Patch {rev.label} {p.index}/{p.total}: {clean(p.title)}",
                       partial(self._app.go, target), "Open the diff with its findings")
        for rule in reviewer.all_rules():
            yield (f"Explain {rule.id} {rule.name}", partial(self._app.go, RuleAt(rule.id)),
                   clean(rule.summary))

    async def discover(self) -> Hits:
        for name, callback, help_text in self._main():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._all():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


def system_commands(app: App[int], textual: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Textual's commands, but the screenshot goes to the current directory
    (Textual's default, a Downloads directory, may not exist)."""
    yield from (command for command in textual if command.title != "Screenshot")
    yield SystemCommand("Screenshot", "Save an SVG 'screenshot' of the current screen in the "
                        "current directory", lambda: app.set_timer(0.1, partial(_shoot, app)))


def _shoot(app: App[int]) -> None:
    try:
        path = app.save_screenshot(path=os.getcwd())
    except OSError as exc:
        app.notify(f"no screenshot: {exc}", severity="error", markup=False)
        return
    app.notify(f"screenshot saved: {path}", markup=False)
