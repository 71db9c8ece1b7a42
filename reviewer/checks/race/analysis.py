"""The race analysis' entry point: C files in, RACE00x hits out.

Pure: no git, no config, no mail.  Each function overlapping the changed
lines is walked path by path (see walker.py) with the locks held and what is
known about each dentry; the rules fire in events.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi, default_api
from reviewer.checks.race.events import Events, FnContext
from reviewer.checks.race.exprs import Exprs
from reviewer.checks.race.removed import cleared_fields, protected_fields, runs
from reviewer.checks.race.state import Held, State
from reviewer.checks.race.summary import (
    Summaries,
    Summary,
    name_returns_locked,
    read_annotations,
    static,
)
from reviewer.checks.race.walker import Walker
from reviewer.cparse import function_nodes, parse

__all__ = ["CODES", "RaceHit", "SourceFile", "analyze"]

CODES = tuple(f"RACE{i:03d}" for i in (*range(1, 11), 14, 15))


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
    for fn, node in fns:
        touched = any(fn.start_line <= n <= fn.end_line for n in changed)
        if not touched and (changed or not all_lines):
            continue  # --all widens the lines reported, not the functions read
        body = node.child_by_field_name("body")
        if body is None:
            continue
        ctx, init = _context(fn.name, node, body, api, summaries.get)
        ctx.callee_releases = summaries.get
        for anchor, lines in runs(src.removed):
            if fn.start_line <= anchor <= fn.end_line:
                ctx.protected.update(protected_fields(lines, api))
                ctx.cleared[anchor] = cleared_fields(lines)
        span = range(fn.start_line, fn.end_line + 1)
        unseen = [n for n in span if n not in src.known_lines] if src.known_lines else []
        found = Walker(Events(api, ctx), body, fn.end_line, unseen, changed).run(init)
        for h in found.values():
            if all_lines or h.line in changed or any(r in changed for r in h.related):
                hits.append(RaceHit(h.code, src.path, h.line, fn.name, h.message, h.subject,
                                    src.origin))
    return hits


def _context(name: str, node: Node, body: Node, api: KernelApi,
             callees: Summary) -> tuple[FnContext, State]:
    x = Exprs(api)
    ctx = FnContext(name)
    notes = read_annotations(node, body, x)
    ctx.returns_locked = bool(notes["__acquires"]) or name_returns_locked(name)
    ctx.assumes_locked = name.endswith("_locked")
    info = static(name, node, body, api, x, notes, callees)
    ctx.acquired_keys, ctx.released_keys = info.acquired, info.released
    ctx.entry_keys = info.inferred | info.annotated
    ctx.inferred_keys = info.inferred - info.annotated
    init = State()
    for key in sorted(ctx.entry_keys):
        # Only a documented hold makes the function atomic from the start.
        atomic = api.atomic(key[0]) and key in info.annotated
        init.add_lock(Held(key, 0, False, atomic, "held on entry"))
    # VFS inode operations get (dir, dentry) with dir's inode lock held: a
    # dentry of unknown origin there counts as having its parent locked.
    dirs = [n for n, t in info.params if n and t.startswith("struct inode *")]
    ctx.dentry_params = {n for n, t in info.params if n and t.startswith("struct dentry *")}
    if dirs and ctx.dentry_params:
        init.add_lock(Held(("inode", "?" + dirs[0]), 0, True, False, "the VFS (inode op)"))
    return ctx, init
