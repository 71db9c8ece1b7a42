"""One module per command family; each exposes `register(subparsers)`."""

from reviewer.commands import apply, check, fetch, revisions, sample

COMMANDS = [revisions, apply, check, sample, fetch]
