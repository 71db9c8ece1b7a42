"""`reviewer state` and `reviewer list`: where the review of each series
stands (reviewer.store.state)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from reviewer.commands.common import Subcommands, open_states, print_json, stdout
from reviewer.errors import StateError
from reviewer.model import ReviewState

if TYPE_CHECKING:
    from rich.text import Text

    from reviewer.store.state import TrackedSeries

_STATE_STYLE = {ReviewState.NEW: "bold", ReviewState.REVIEWING: "cyan",
                ReviewState.REPLIED: "green", ReviewState.WAITING: "dim",
                ReviewState.ACCEPTED: "green", ReviewState.REJECTED: "red",
                ReviewState.SNOOZED: "dim"}
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def tracked_to_json(tracked: TrackedSeries, today: dt.date) -> dict[str, Any]:
    from reviewer.output.listing import trailers_json

    s = tracked.summary
    return {
        "key": tracked.key, "title": tracked.title, "state": tracked.current(today).value,
        "set_state": tracked.state.value,
        "until": tracked.until.isoformat() if tracked.until else None,
        "newer_revision": tracked.newer_revision, "latest_version": tracked.latest_version,
        "latest_msgid": tracked.latest_msgid, "state_version": tracked.state_version,
        "source": tracked.source,
        "trailers": None if tracked.trailers is None else trailers_json(tracked.trailers),
        "checked": None if s is None else {
            "version": s.version, "counts": dict(zip(("error", "warning", "info"), s.counts,
                                                     strict=True)),
            "worst": None if s.worst_severity is None else {
                "rule": s.worst_rule, "severity": s.worst_severity.value,
                "message": s.worst_message, "where": s.worst_where}},
    }


def _pick(opened: Any, index: int | None, setting: bool) -> list[Any]:
    series = list(opened.series)
    if index is not None:
        if not 1 <= index <= len(series):
            raise StateError(f"--series {index}: SOURCE holds {len(series)} series")
        return [series[index - 1]]
    if setting and len(series) > 1:
        raise StateError(f"SOURCE holds {len(series)} series: choose one with --series "
                         f"(1-{len(series)}, in the order `reviewer revisions` lists them)")
    return series


def cmd_state(args: argparse.Namespace) -> int:
    from reviewer.pipeline import open_source
    from reviewer.store.state import parse_until

    today = dt.date.today()
    until = parse_until(args.until, today, "--until ") if args.until else None
    wanted = ReviewState(args.state) if args.state else (
        ReviewState.SNOOZED if until is not None else None)
    if wanted is ReviewState.SNOOZED and until is None:
        raise StateError("snoozed needs --until DATE")
    opened = open_source(args.source, args.global_lore, args.global_offline)
    states = open_states(required=True)
    out = []
    for series in _pick(opened, args.series, wanted is not None):
        source = opened.loaded.source
        out.append(states.seen(series, source) if wanted is None
                   else states.set_state(series, source, wanted, until))
    if args.json:
        print_json({"series": [tracked_to_json(t, today) for t in out]})
        return 0
    from rich.text import Text

    from reviewer.output.listing import inert

    for t in out:
        stdout.print(Text.assemble((t.describe(today), _STATE_STYLE[t.current(today)]), "  ",
                                   inert(t.title), f"  (v{t.latest_version})"), soft_wrap=True)
    return 0


def _worst_cell(tracked: TrackedSeries) -> Text:
    from rich.text import Text

    from reviewer.output.listing import inert

    s = tracked.summary
    if s is None:
        return Text("not checked", style="dim")
    if s.worst_severity is None:
        return Text(f"v{s.version}: nothing found", style="green")
    return Text.assemble(f"v{s.version} ", (s.worst_rule, _SEVERITY_STYLE[s.worst_severity.value]),
                         " ", inert(s.worst_message[:60] + ("…" if len(s.worst_message) > 60
                                                           else "")))


def cmd_list(args: argparse.Namespace) -> int:
    today = dt.date.today()
    states = open_states(required=True)
    tracked = [t for t in states.all()
               if args.state is None or t.current(today).value == args.state]
    if args.json:
        print_json({"series": [tracked_to_json(t, today) for t in tracked]})
        return 0
    from rich.table import Table
    from rich.text import Text

    from reviewer.output.listing import inert

    table = Table(title=f"{len(tracked)} series ({states.path})", title_justify="left")
    for col in ("state", "series", "latest", "A·R·T", "worst finding (last check)", "E·W·I"):
        table.add_column(col)
    for t in tracked:
        counts = "·".join(map(str, t.summary.counts)) if t.summary else "-"
        table.add_row(Text(t.describe(today), style=_STATE_STYLE[t.current(today)]
                           if not t.newer_revision else "bold yellow"),
                      inert(t.title), f"v{t.latest_version}",
                      str(t.trailers) if t.trailers else "-", _worst_cell(t), counts)
    stdout.print(table)
    return 0


def register(sub: Subcommands) -> None:
    names = [s.value for s in ReviewState]
    sp = sub.add_parser("state", help="show or set where the review of SOURCE's series stands")
    sp.set_defaults(func=cmd_state)
    sp.add_argument("source")
    sp.add_argument("state", nargs="?", choices=names, metavar="STATE",
                    help=f"the new state: {', '.join(names)}")
    sp.add_argument("--until", metavar="DATE",
                    help="snoozed until DATE (YYYY-MM-DD, +Nd or +Nw); implies snoozed")
    sp.add_argument("--series", type=int, metavar="N",
                    help="the Nth series of SOURCE (when it holds several)")
    sp.add_argument("--json", action="store_true")

    sp = sub.add_parser("list", help="every series whose review is tracked, with its state, "
                        "latest revision and the worst finding of its last check")
    sp.set_defaults(func=cmd_list)
    sp.add_argument("--state", choices=names, help="only series in this state")
    sp.add_argument("--json", action="store_true")
