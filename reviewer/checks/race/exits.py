"""Leaving a function on one path: what each exit returns and holds, and
RACE006 on a lock taken here and still held where the return hands it to
nobody (walker.py records the exits, then asks for the leaks)."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from reviewer.checks.race.events import Events, Hit
from reviewer.checks.race.exprs import callee_name, unwrap
from reviewer.checks.race.signs import value_class
from reviewer.checks.race.state import Held, State
from reviewer.cparse import node_text

__all__ = ["Exit", "exit_of", "report_leaks"]

# Variables that, when known non-zero, hold an error code
_ERROR_NAMES = frozenset({"err", "error", "ret", "rc", "retval", "status", "res", "rv"})
_FAILURES = frozenset({"NULL", "false"})  # a lookup or test that failed


@dataclass(frozen=True)
class Exit:
    """One way out of the function on one path, and what it held there."""

    line: int
    value: str | None  # the returned expression; None for void or the end
    error: bool  # returns an error code
    held: tuple[Held, ...]
    trail: int
    known: object = None  # what the path knows of the value (signs.value_class)


def exit_of(ev: Events, st: State, line: int, value: Node | None) -> Exit:
    """The path `st` leaving at `line`, returning `value`."""
    return Exit(line, " ".join(node_text(value).split()) if value else None,
                value is not None and _error_value(ev, value, st), st.locks, st.trail,
                value_class(unwrap(value), st) if value else None)


def report_leaks(ev: Events, exits: list[Exit], unseen: bool) -> None:
    """RACE006 on every lock taken here and still held at an exit the
    code shows, when that return hands it to nobody.  The function must
    release the lock itself somewhere (else it is a helper meant to
    return holding it); then an error return leaks it, so does the RCU
    read lock or preemption anywhere, a NULL or false returned while
    another path returns its result unlocked, and any return of a value
    also returned without the lock (or of nothing).  Functions that say
    they return locked, and locks held on entry, are the caller's.
    `unseen`: some lines of the function are not shown."""
    ctx = ev.ctx
    if ctx.returns_locked:
        return
    for ex in exits:
        for h in ex.held:
            if h.line <= 0 or h.key in ctx.entry_keys:
                continue
            # A function that never releases the lock returns holding it by
            # design (its caller unlocks), on errors too; one whose lines we
            # do not all see may release it there.
            if (h.key in ctx.released_keys or unseen) and _leaked(h, ex, exits):
                related = (h.line, ex.trail) if ex.trail else (h.line,)
                ctx.hit(Hit("RACE006", ex.line, h.key[1],
                            f"{h.how} at line {h.line} is still held when the function "
                            f"returns at line {ex.line}", related))


def _leaked(h: Held, ex: Exit, exits: list[Exit]) -> bool:
    if ex.error:
        return True
    if h.key[0] in ("rcu", "preempt"):
        return True  # released elsewhere here, never handed over unannotated
    # NULL or false held, a result handed back without it: a function
    # returning locked does so with what it found, not on failing to.
    if ex.value in _FAILURES and any(o.value not in _FAILURES and not _holds(o, h)
                                     for o in exits):
        return True
    # The same value returned without it: the caller cannot tell the two
    # apart (a value the path knows to differ, ERR or not, is a signal).
    return ex.value is None or any(
        o.value == ex.value and not _holds(o, h)
        and (o.known is None or ex.known is None or o.known == ex.known)
        for o in exits)


def _holds(ex: Exit, h: Held) -> bool:
    """Does `ex` hold `h`'s lock?  (Known by where it was taken too: its
    name may differ by path.)"""
    return any(k.key == h.key or (k.line, k.key[0]) == (h.line, h.key[0]) for k in ex.held)


def _error_value(ev: Events, value: Node, st: State) -> bool:
    """-EINVAL, ERR_PTR(err), or a variable known to hold an error code
    on this path (NULL and false are answers, not errors)."""
    v = unwrap(value)
    text = node_text(v)
    if v.type == "unary_expression" and text.startswith("-"):
        return True
    if v.type == "call_expression" and callee_name(v) in ("ERR_PTR", "ERR_CAST"):
        return True
    if v.type != "identifier" or text in st.oks:
        return False
    signs = st.signs.get(text)
    if signs is not None and (signs == frozenset({"neg"}) or "zero" in signs):
        return "zero" not in signs
    # `if (err) return err;`: a non-zero err is an error code
    return text in st.errs or (ev.x.truth(v, st) is True and text in _ERROR_NAMES)
