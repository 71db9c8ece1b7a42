"""How the app tunes the Python interpreter for a responsive UI, and puts it
back when the app ends (the process may go on: tests, embedding)."""

from __future__ import annotations

import gc
import sys


class Tuning:
    """The interpreter settings the app changes while it runs."""

    def __init__(self) -> None:
        self._switch_interval: float | None = None
        self._gc_threshold: tuple[int, int, int] | None = None

    def start(self) -> None:
        # A worker thread running Python (parsing, comparing) hands the
        # interpreter back every switch interval: 5 ms by default, paid on
        # each await of the UI thread while it runs.  1 ms keeps keys quick.
        if self._switch_interval is None:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(0.001)

    def freeze(self) -> None:
        """Long-lived data arrived (a big thread is a few million objects):
        keep it out of garbage collections, which scanned it all in 100-300 ms
        pauses on keys."""
        gc.freeze()
        # What is left for the collector is the UI's own garbage (closed
        # screens, old renders): a full collection freed ~20k such objects in
        # one 20-50 ms pause every few keys.  Ten times rarer keeps them off
        # all but a few keys; gen 0/1 still collect young cycles as before.
        if self._gc_threshold is None:
            self._gc_threshold = gc.get_threshold()
            gen0, gen1, gen2 = self._gc_threshold
            gc.set_threshold(gen0, gen1, gen2 * 10)

    def stop(self) -> None:
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None
