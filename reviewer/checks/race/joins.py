"""RACE006 where the code cannot see the end: gotos to one label the patch
does not show that disagree on a lock (held on one path, released on
another).  Whatever the label does, one of them is wrong: it releases the
lock (a double release) or it does not (a leak) -- sparse's "context
imbalance" at a join [fact 6]."""

from __future__ import annotations

from reviewer.checks.race.exprs import Exprs
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.state import State

__all__ = ["JoinChecks"]


class JoinChecks:
    ctx: FnContext
    x: Exprs

    def unseen_joins(self, pending: dict[str, list[State]]) -> None:
        """`pending`: the paths of gotos to each label never reached."""
        for label, states in pending.items():
            for s in states:
                for h in s.locks:
                    if h.line <= 0 or h.key in self.ctx.entry_keys:
                        continue  # the caller's, or a hold only guessed
                    freed = [o for o in states if o.held(h.key) is None
                             and h.key not in o.murky and h.key in o.released]
                    if freed:
                        other = freed[0]
                        self.ctx.hit(Hit(
                            "RACE006", s.pos, h.key[1],
                            f"the gotos to `{label}` disagree on {self.x.describe(h.key)}: "
                            f"held on this one ({h.how} at line {h.line}), released at line "
                            f"{other.released[h.key]} before the one at line {other.pos}; "
                            f"whatever `{label}` does, one path leaks it or releases it twice",
                            (h.line, other.pos, other.released[h.key])))
