"""One module per command family; each exposes `register(subparsers)`."""

from reviewer.commands import apply, check, compare, fetch, revisions, sample, tree, tui

COMMANDS = [revisions, apply, check, compare, fetch, sample, tree, tui]
