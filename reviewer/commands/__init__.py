"""One module per command family; each exposes `register(subparsers)`."""

from reviewer.commands import (
    apply,
    check,
    compare,
    fetch,
    reply,
    revisions,
    sample,
    state,
    tree,
    tui,
)

COMMANDS = [revisions, apply, check, compare, reply, state, fetch, sample, tree, tui]
