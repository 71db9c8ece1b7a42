"""One module per command family; each exposes `register(subparsers)`."""

from reviewer.commands import apply, check, fetch, revisions, sample, tui

COMMANDS = [revisions, apply, check, fetch, sample, tui]
