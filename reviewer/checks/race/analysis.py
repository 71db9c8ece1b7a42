"""The race analysis' entry point: C files in, RACE00x hits out.

Pure: no git, no config, no mail.  Each function overlapping the changed
lines is walked path by path (see walker.py) with the locks held and what is
known about each dentry; the rules fire in events.py."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi, default_api
from reviewer.checks.race.bailouts import lost_bailouts, rewritten
from reviewer.checks.race.callers import CallerContext
from reviewer.checks.race.events import Events, Hit
from reviewer.checks.race.exitlabels import skipped_unlocks
from reviewer.checks.race.exprs import Exprs, callee_name
from reviewer.checks.race.rechecks import dropped_rechecks
from reviewer.checks.race.removed import (
    cleared_fields,
    dropped_gets,
    dropped_tests,
    got_objects,
    lockless_reads,
    protected_fields,
    released_locks,
    runs,
    unlocked_spans,
)
from reviewer.checks.race.summary import Summaries, function_context
from reviewer.checks.race.walker import Walker
from reviewer.cparse import CFunction, descendants, function_nodes, parse

__all__ = ["CODES", "RaceHit", "SourceFile", "analyze"]

CODES = tuple(f"RACE{i:03d}" for i in range(1, 22))


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    changed_lines: frozenset[int]  # post-image lines the revision adds or changes
    origin: str  # "tree" (from the applied tree) or "hunks" (rebuilt from the diff)
    known_lines: frozenset[int] | None = None  # hunks: lines really present (line map keys)
    removed: tuple[tuple[int, str], ...] = ()  # (line after which it stood, removed text)


@dataclass(frozen=True)
class RaceHit:
    code: str
    path: str
    line: int
    function: str
    message: str
    subject: str
    origin: str


def analyze(files: Iterable[SourceFile], api: KernelApi | None = None,
            all_lines: bool = False) -> list[RaceHit]:
    api = api or default_api()
    out: list[RaceHit] = []
    for f in files:
        out.extend(_analyze_file(f, api, all_lines))
    return sorted(out, key=lambda h: (h.path, h.line, h.code, h.subject))


def _analyze_file(src: SourceFile, api: KernelApi, all_lines: bool) -> list[RaceHit]:
    tree = parse(src.text)
    changed = src.changed_lines
    hits: list[RaceHit] = []
    fns = function_nodes(tree)
    summaries = Summaries({f.name: n for f, n in fns}, api)
    callers = CallerContext(tree.root_node, {f.name: n for f, n in fns}, api, summaries) \
        if src.origin == "tree" else None
    if callers is not None and changed:
        hits.extend(_through_new_calls(src, fns, api, summaries, callers))
    for fn, node in fns:
        touched = _touches(fn, changed)
        if not touched and (changed or not all_lines):
            continue  # --all widens the lines reported, not the functions read
        try:
            found = _walk(src, fn, node, api, summaries, callers)
        except RecursionError:  # nesting no kernel code has: say so, go on
            hits.append(RaceHit("RACE000", src.path, fn.start_line, fn.name,
                                "not checked for races: nested too deeply to be read",
                                fn.name, src.origin))
            continue
        for h in found:
            if all_lines or h.line in changed or any(r in changed for r in h.related):
                hits.append(RaceHit(h.code, src.path, h.line, fn.name, h.message, h.subject,
                                    src.origin))
    return hits


def _through_new_calls(src: SourceFile, fns: list[tuple[CFunction, Node]], api: KernelApi,
                       summaries: Summaries, callers: CallerContext) -> Iterator[RaceHit]:
    """The file's unchanged static helpers that changed lines call, walked
    with what their callers hold before the revision and after it: what only
    the new calls make wrong (a helper that writes `d_flags` now also called
    without `d_lock`; one that sleeps now also called under a spinlock) is
    reported where it happens, naming the new calls."""
    changed = src.changed_lines
    calls = _calls_at(fns, changed)
    before = CallerContext(callers.root, callers.fns, api, summaries, skip=changed,
                           like=callers)
    for fn, node in fns:
        lines = calls.get(fn.name)
        if not lines or _touches(fn, changed) \
                or set(callers.held(fn.name)) == set(before.held(fn.name)):
            continue  # walked already, or the new calls change nothing it runs with
        try:
            old = {(h.code, h.line, h.subject) for h in _walk(src, fn, node, api, summaries,
                                                                before)}
            new = _walk(src, fn, node, api, summaries, callers)
        except RecursionError:
            continue  # the helper cannot be read: nothing to compare
        where = ", ".join(str(n) for n in lines)
        for h in new:
            if (h.code, h.line, h.subject) not in old:
                yield RaceHit(h.code, src.path, h.line, fn.name,
                              f"{h.message} (called so from line {where})", h.subject,
                              src.origin)


def _touches(fn: CFunction, lines: Iterable[int]) -> bool:
    return any(fn.start_line <= n <= fn.end_line for n in lines)


def _calls_at(fns: list[tuple[CFunction, Node]], lines: frozenset[int]) -> dict[str, list[int]]:
    """The file's functions called on `lines`, with those lines."""
    names = {f.name for f, _ in fns}
    out: dict[str, list[int]] = {}
    for fn, node in fns:
        if not _touches(fn, lines):
            continue
        for call in descendants(node, ("call_expression",)):
            line = call.start_point.row + 1
            name = callee_name(call)
            if line in lines and name in names and line not in out.get(name, []):
                out.setdefault(name, []).append(line)
    return out


def _walk(src: SourceFile, fn: CFunction, node: Node, api: KernelApi, summaries: Summaries,
          callers: CallerContext | None) -> list[Hit]:
    """The hits of one function, walked with everything known about it."""
    changed = src.changed_lines
    body = node.child_by_field_name("body")
    if body is None:
        return []
    ctx, init = function_context(fn.name, node, body, api, summaries.get)
    ctx.callee_releases = summaries.get
    if callers is not None:
        callers.enter(fn.name, ctx.entry_keys, init)
    span = range(fn.start_line, fn.end_line + 1)
    unseen = [n for n in span if n not in src.known_lines] if src.known_lines else []
    lost: list[Hit] = []
    x = Exprs(api)
    removed = [(a, lines) for a, lines in runs(src.removed) if fn.start_line <= a <= fn.end_line]
    ctx.unlocked = unlocked_spans(removed, api)
    for anchor, lines in removed:
        lost += skipped_unlocks(x, body, lines, anchor, unseen)
        lost += dropped_rechecks(x, body, lines, anchor)
        ctx.protected.update(protected_fields(lines, api))
        ctx.cleared[anchor] = cleared_fields(lines)
        if released := released_locks(lines, api):
            ctx.released_keys |= set(released)
            ctx.removed_releases[anchor] = released
        ctx.read_once |= lockless_reads(lines, api)
        if gets := dropped_gets(lines, api):
            ctx.dropped_gets[anchor] = gets
        if objects := got_objects(lines, api):
            ctx.got_objects[anchor] = objects
        if tests := dropped_tests(lines, api):
            ctx.dropped_tests[anchor] = tests
            lost += lost_bailouts(x, lines, anchor, rewritten(body, anchor))
    walked = Walker(Events(api, ctx), body, fn.end_line, unseen, changed).run(init).values()
    return list(walked) + lost
