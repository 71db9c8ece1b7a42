"""Compare two revisions, as a maintainer reads a new one: what the
reviewers asked of the old one and what became of each request (verdict
and evidence), the bots' reports, the API surface change and the trailers
carried; beside them how the patches pair up (with the A·R·T given on each)
and the findings, and on `d` the range-diff or interdiff."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Header, Label, Select, Static

import reviewer
from tui.render import Line, diff_line, finding_text, inert, rangediff_lines
from tui.screens.base import SIDE_PANE, SIDE_PANE_WIDTH, BaseScreen, CompareAt, PatchAt, ThreadAt
from tui.session import Inputs, Key, Problem, compare_inputs
from tui.widgets.keyfooter import KeyFooter
from tui.widgets.lineview import LineView
from tui.widgets.sidelists import PairList, ReviewList


def findings_lines(comparison: Any, old_checked: bool, new_checked: bool) -> list[Line]:
    """New / fixed / persisting findings as sections of lines."""
    old, new = comparison.old, comparison.new
    if not (old_checked and new_checked):
        waiting = " and ".join(v for v, ok in ((old, old_checked), (new, new_checked))
                               if not ok)
        return [Line(Text(f"{waiting} not checked yet: findings appear when the checks end",
                          style="dim italic"))]
    lines: list[Line] = []
    sections = (
        (f"New in {new}", "bold red", list(comparison.new_findings)),
        (f"Fixed since {old}", "bold green", list(comparison.fixed)),
        ("Gone with their patches (not fixed)", "dim", list(comparison.gone)),
        ("Persisting", "bold yellow", [n for _, n in comparison.persisting]),
    )
    for title, style, found in sections:
        lines.append(Line(Text(f"{title} ({len(found)})", style=style), tag=("section", title)))
        for f in found:
            lines.append(Line(Text("  ").append_text(finding_text(f, with_location=True)),
                              tag=("finding", f), indent=4))
        if not found:
            lines.append(Line(Text("  none", style="dim")))
        lines.append(Line(Text("")))
    return lines


def right_title(diff: bool, comparison: Any) -> str:
    """What the right pane shows; without applied commits the diff is an interdiff."""
    kind = "interdiff" if comparison is not None and not comparison.range_diff else "range-diff"
    return f"{kind.capitalize()} (d: the review)" if diff else \
        f"Review: requests, bots, API, trailers (d: {kind})"


def review_lines(comparison: Any) -> list[Line]:
    """The requests with verdicts and evidence, bot reports, API surface and
    trailers, as `reviewer compare` prints them; a request's lines are
    tagged with its review mail (Enter reads it)."""
    lines: list[Line] = []
    requests = enumerate(comparison.requests)
    for section in reviewer.compare_sections(comparison):
        if section.key == "findings":
            continue  # in their own pane
        lines.append(Line(Text(section.title, style="bold")))
        for text, style in section.lines:
            if section.key == "requests" and not text.startswith("      "):
                n, request = next(requests)  # a request's head line
            tag = ("mail", request.msgid, n) if section.key == "requests" else None
            lines.append(Line(inert(text, style), tag=tag, indent=6))
        if not section.lines:
            lines.append(Line(Text("  none", style="dim")))
        lines.append(Line(Text("")))
    return lines


def diff_lines(comparison: Any) -> list[Line]:
    """git's range-diff of the applied commits, else each pair's interdiff."""
    if comparison.range_diff:
        return rangediff_lines(comparison.range_diff)
    if comparison.interdiffs:
        lines = [Line(Text("Interdiff (no applied commits: the diff of each pair's diffs)",
                           style="bold"))]
        for d in comparison.interdiffs:
            lines += [Line(diff_line(inert(raw).plain), wrap=False)
                      for raw in d.text.splitlines()] + [Line(Text(""))]
        return lines
    return [Line(inert(f"no range-diff: {comparison.range_diff_note}", "dim italic"))]


class CompareScreen(BaseScreen):
    HELP = ("Compare two revisions of a series: what the reviewers asked of the old one "
            "and what the new one did about each request (verdict and evidence; Enter reads "
            "the review), the bots' reports, the API surface change, the trailers given "
            "and carried (A·R·T per patch beside the pairs), which findings are new, fixed "
            "or persist, and on d the range-diff (or interdiff).  [ and ] move both "
            "revisions back or forward.")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (SIDE_PANE_WIDTH, "-wide")]
    BINDINGS = [
        SIDE_PANE,
        Binding("d", "toggle_diff", "Range-diff", id="compare.diff",
                tooltip="Show the range-diff (or interdiff) instead of the review, and back"),
        Binding("n", "next_request", "Next request", id="compare.next-request",
                tooltip="Move to the next review request"),
        Binding("p", "previous_request", "Prev request", show=False,
                id="compare.previous-request", tooltip="Move to the previous review request"),
        Binding("left_square_bracket", "shift(-1)", "Earlier pair", id="compare.earlier",
                tooltip="Compare the revisions one step earlier"),
        Binding("right_square_bracket", "shift(1)", "Later pair", id="compare.later",
                tooltip="Compare the revisions one step later"),
    ]

    class Compared(Message):
        def __init__(self, comparison: Any, old: Key, new: Key) -> None:
            super().__init__()
            self.comparison = comparison
            self.old = old
            self.new = new

    class CompareFailed(Message):
        def __init__(self, problem: Problem) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, new: Key | None = None) -> None:
        super().__init__()
        self._wanted = new
        self._pair: tuple[Key, Key] | None = None
        self._inputs: Inputs | None = None  # what the last run had
        self.comparison: Any = None
        self._options: list[tuple[str, str]] = []  # what the pickers offer
        self._right: dict[bool, list[Line]] = {}  # review, range-diff, as far as shown
        self._diff_shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="compare-pick"):
            yield Label("old")
            yield Select[str]([], id="old", allow_blank=True, prompt="old")
            yield Label("new")
            yield Select[str]([], id="new", allow_blank=True, prompt="new")
            yield Static(id="compare-note")
        with Horizontal(id="compare-body"):
            with Vertical(id="compare-left"):
                yield Static("Patches: old new how  A·R·T", classes="side-title")
                yield PairList(id="pairs")
                yield Static("Findings", classes="side-title")
                yield LineView(id="compare-findings")
            with Vertical(id="compare-right"):
                yield Static(right_title(False, None), id="compare-right-title",
                             classes="side-title")
                # one view that d refills: showing and hiding views would lay
                # the screen out again on each d
                yield ReviewList(id="compare-review")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.aimed:
            self._goto()
        else:  # composed ahead of its first visit (tui.keeper)
            self.load_compare()

    @work(thread=True, group="load-compare", exit_on_error=False,
          description="load the core's compare code")
    def load_compare(self) -> None:
        """The core loads its compare code when first used (~0.15 s without
        bytecode caches): in the first comparison's worker thread, that
        competed with the screen's first paint for the interpreter."""
        for name in ("compare_pair", "compare_sections"):
            getattr(reviewer, name)

    def show_target(self, target: CompareAt) -> None:
        """Reuse this screen for another visit: compare up to `new`."""
        self._wanted = target.new
        self._pair = self._inputs = self.comparison = None
        if self.is_mounted:
            self.query_one(PairList).set_lines([])
            for view in self.query(LineView):
                view.set_lines([])
            self._right = {}
            self._show_right(diff=False)
            self._note(Text(""))
            self._goto()

    def _goto(self) -> None:
        self.query_one(ReviewList).focus()
        revs = self.session.revisions()
        if self.session.opened is None or len(revs) < 2:
            self._note(Text("needs at least two revisions", style="dim"))
            return
        new = self._wanted or revs[-1][0]
        same = [k for k, _ in revs if k[0] == new[0]]
        if same.index(new) == 0:
            new = same[1] if len(same) > 1 else new
        old = same[max(0, same.index(new) - 1)]
        self._set_options(new[0])
        self.choose(old, new)

    def _set_options(self, series: int) -> None:
        options = [(f"{rev.label} · {len(rev.patches)} patch(es)", f"{k[0]}:{k[1]}")
                   for k, rev in self.session.revisions() if k[0] == series]
        if options != self._options:  # rebuilding a Select's options is not free
            self._options = options
            self.query_one("#old", Select).set_options(options)
            self.query_one("#new", Select).set_options(options)

    def _note(self, text: Text) -> None:
        self.query_one("#compare-note", Static).update(text, layout=False)

    def choose(self, old: Key, new: Key) -> None:
        """Compare `old` with `new` (sets both pickers and starts the work)."""
        with self.prevent(Select.Changed):
            self.query_one("#old", Select).value = f"{old[0]}:{old[1]}"
            self.query_one("#new", Select).value = f"{new[0]}:{new[1]}"
        self._start(old, new)

    def _start(self, old: Key, new: Key) -> None:
        if old == new:
            self._note(Text("pick two different revisions", style="yellow"))
            return
        s = self.session
        self._pair = (old, new)
        self._inputs = compare_inputs(old, new, s.reports, s.applies)
        inputs, ahead = s.ahead.get((old, new), ((), None))
        if ahead is not None and inputs == self._inputs:  # made with what we have
            self._show(ahead, old, new)
            return
        self._note(Text(f"comparing {old[1]} with {new[1]}…", style="dim"))
        # copies: the worker must not read dicts the UI thread keeps filling
        applies = {k[1]: v for k, v in s.applies.items() if k[0] == new[0]}
        reports = {k[1]: v for k, v in s.reports.items() if k[0] == new[0]}
        # after the next paint: the worker would slow the screen's own layout
        self.call_after_refresh(self.compare, s.series(new), old, new, s.options, applies,
                                reports)

    # a fixed description: Textual would otherwise repr() every argument (the whole
    # series and its results: tens of ms on a big thread) on each call
    @work(thread=True, exclusive=True, group="compare", name="compare", exit_on_error=False,
          description="compare two revisions")
    def compare(self, series: reviewer.Series, old: Key, new: Key, options: reviewer.Options,
                applies: dict[str, reviewer.ApplyResult],
                reports: dict[str, reviewer.RevisionReport]) -> None:
        try:
            result = reviewer.compare_pair(series, old[1], new[1], options, applies, reports)
        except Exception as exc:
            self.post_message(self.CompareFailed(Problem.of(exc)))
            return
        self.post_message(self.Compared(result, old, new))

    @on(Compared)
    def _compared(self, event: Compared) -> None:
        if (event.old, event.new) == self._pair:  # else a stale answer for another pair
            self._show(event.comparison, event.old, event.new)

    def _show(self, comparison: Any, old: Key, new: Key) -> None:
        c = self.comparison = comparison
        self._note(inert(c.range_diff_note, "dim"))
        self.query_one(PairList).show(c.pairs, patch_trailers(c))
        s = self.session
        self.query_one("#compare-findings", LineView).set_lines(
            findings_lines(c, old in s.reports, new in s.reports))
        self._right = {False: review_lines(c)}  # the range-diff's lines on the first d
        self.query_one(ReviewList).set_lines(self._lines(self._diff_shown))
        self._title()

    @on(CompareFailed)
    def _failed(self, event: CompareFailed) -> None:
        self._note(inert(f"{event.problem.title}: {event.problem.message}", "bold red"))

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        old, new = self.query_one("#old", Select).value, self.query_one("#new", Select).value
        if isinstance(old, str) and isinstance(new, str):
            self._start(_key(old), _key(new))

    @on(PairList.PairChosen)
    def _pair_chosen(self, event: PairList.PairChosen) -> None:
        if self._pair is None:
            return
        pair = event.pair
        if pair.new is not None:
            self.open(PatchAt(self._pair[1], pair.new))
        elif pair.old is not None:
            self.open(PatchAt(self._pair[0], pair.old))

    @on(ReviewList.MailChosen)
    def _mail_chosen(self, event: ReviewList.MailChosen) -> None:
        self.open(ThreadAt(event.msgid))

    def _show_right(self, diff: bool) -> None:
        """The review (False) or the range-diff (True) on the right."""
        view = self.query_one(ReviewList)
        if diff != self._diff_shown:
            self._diff_shown = diff
            view.set_lines(self._lines(diff))
            self._title()
        view.focus()

    def _lines(self, diff: bool) -> list[Line]:
        if diff not in self._right:
            self._right[diff] = diff_lines(self.comparison) if self.comparison else []
        return self._right[diff]

    def _title(self) -> None:
        self.query_one("#compare-right-title", Static).update(
            right_title(self._diff_shown, self.comparison), layout=False)

    def action_toggle_diff(self) -> None:
        self._show_right(diff=not self._diff_shown)

    def action_next_request(self) -> None:
        self._show_right(diff=False)
        self.query_one(ReviewList).next_request()

    def action_previous_request(self) -> None:
        self._show_right(diff=False)
        self.query_one(ReviewList).next_request(backwards=True)

    def action_shift(self, step: int) -> None:
        if self._pair is None:
            return
        keys = [k for k, _ in self.session.revisions() if k[0] == self._pair[1][0]]
        i, j = keys.index(self._pair[0]) + step, keys.index(self._pair[1]) + step
        if 0 <= min(i, j) and max(i, j) < len(keys):
            self.choose(keys[i], keys[j])

    def refresh_session(self) -> None:
        """Re-compare when results the last comparison lacked have arrived."""
        if self._pair is None or self._inputs is None:
            return
        old, new = self._pair
        s = self.session
        if compare_inputs(old, new, s.reports, s.applies) != self._inputs:
            self._start(old, new)


def patch_trailers(comparison: Any) -> dict[int, reviewer.TrailerCounts]:
    """A·R·T given on each patch of the old revision (a cover letter's on
    each of its patches)."""
    given: dict[int, list[reviewer.GivenTrailer]] = {}
    for t in comparison.trailers:
        given.setdefault(t.old_patch, []).append(t.trailer)
    return {patch: reviewer.trailer_counts(ts) for patch, ts in given.items()}


def _key(value: str) -> Key:
    si, label = value.split(":", 1)
    return int(si), label
