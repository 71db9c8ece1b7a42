"""One review run: `review(source, options)` yields typed events; the CLI
commands and the TUI's child process only consume them."""

from reviewer.run.events import (
    Event,
    Failed,
    Finished,
    Notice,
    Progress,
    RevisionApplied,
    RevisionChecked,
    SourceOpened,
    Started,
)
from reviewer.run.options import Key, Options
from reviewer.run.runner import review

__all__ = ["Event", "Failed", "Finished", "Key", "Notice", "Options", "Progress",
           "RevisionApplied", "RevisionChecked", "SourceOpened", "Started", "review"]
