"""The screens composed once and reused (thread, patch, compare), and the
composing of those not visited yet while the user reads.

A first visit costs a screen's composing and mounting on top of what any
visit costs (its first layout and paint): ~25 ms of the thread screen's,
~35 ms of compare's on a busy machine.  Done ahead, when no key or click has
come for QUIET_S, the first visit costs what a revisit costs; done while
keys come, it would hold up the next one instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App

from tui.screens.base import CompareAt, PatchAt, ThreadAt
from tui.screens.compare import CompareScreen
from tui.screens.patch import PatchScreen
from tui.screens.thread import ThreadScreen

if TYPE_CHECKING:
    from textual.screen import Screen

Kept = ThreadScreen | PatchScreen | CompareScreen
SCREENS: dict[type, type[Kept]] = {ThreadAt: ThreadScreen, PatchAt: PatchScreen,
                                   CompareAt: CompareScreen}
QUIET_S = 0.5  # no key or click for this long: the user is reading
PREPARE_EVERY_S = 0.25  # how often the app asks prepare_one()
# The one private step used: push_screen's mounting of a screen, without
# showing it (Textual < 9, pinned).  Gone in a later Textual, screens are
# composed on their first visit, as without this module.
MOUNT: Callable[[App[int], Screen[None]], object] | None = getattr(App, "_get_screen", None)


class Keeper:
    """The kept screen of each kind, installed in `app` (so kept when popped)."""

    def __init__(self, app: App[int]) -> None:
        self._app = app
        self._kept: dict[type[Kept], Kept] = {}
        self._busy_at = 0.0  # time.monotonic() of the last key, click or new content

    def busy(self) -> None:
        """The user acts (or is about to: new content on screen)."""
        self._busy_at = time.monotonic()

    def screen_for(self, target: ThreadAt | PatchAt | CompareAt) -> Kept:
        """The kept screen for `target`, unless stacked already (thread →
        patch → thread: then a new one), told to show `target`."""
        kind = SCREENS[type(target)]
        kept = self._keep(kind)
        screen = kept if kept not in self._app.screen_stack else kind()
        screen.aimed = True
        screen.show_target(target)  # type: ignore[arg-type]  # kind matches target
        screen.fit_width()
        return screen

    def prepare_one(self) -> bool:
        """If the user is reading, compose one kept screen not visited yet,
        unseen; False once there is none left (or Textual cannot do it)."""
        kind = next((k for k in SCREENS.values() if k not in self._kept), None)
        if kind is None or MOUNT is None:
            return False
        if time.monotonic() - self._busy_at >= QUIET_S:
            screen = self._keep(kind)
            screen.aimed = False  # nothing to show until screen_for() gives a target
            screen.fit_width()  # before it is styled: cheaper than after
            MOUNT(self._app, screen)
        return True

    def _keep(self, kind: type[Kept]) -> Kept:
        if kind not in self._kept:
            self._kept[kind] = kind()
            self._app.install_screen(self._kept[kind], f"kept-{kind.__name__}")
        return self._kept[kind]
