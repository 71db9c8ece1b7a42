"""Patch-level interdiff: for two paired patches that were not applied, the
diff of their two diffs (as `git range-diff` shows a pair's inner diff),
and which lines of the old patch it touches.

Line numbers in `@@` headers and `index` lines change with every rebase
and say nothing about the change itself, so both are left out before the
diffs are compared.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass

from reviewer.compare.pairing import PatchPair
from reviewer.model import Patch, Revision

__all__ = ["LineFates", "PatchInterdiff", "line_fates", "patch_interdiffs", "patch_lines"]

@dataclass(frozen=True)
class PatchInterdiff:
    old: int
    new: int
    title: str
    text: str  # a unified diff of the two patches' diffs; "" when they are the same


@functools.lru_cache(maxsize=256)
def patch_lines(patch: Patch) -> tuple[str, ...]:
    """The patch's diff as compared: file headers, `@@ section`, and every
    hunk line with its marker; no `index` lines or hunk line numbers."""
    out: list[str] = []
    for change in patch.files:
        out.append(f"diff {change.old_path or '/dev/null'} {change.new_path or '/dev/null'}")
        for hunk in change.hunks:
            out.append(f"@@ {hunk.section}".rstrip())
            out += [line.rstrip() for line in hunk.lines if line[:1] != "\\"]
    return tuple(out)


def _shown_lines(patch: Patch) -> list[str]:
    """What the interdiff shows: the commit message (indented, as git
    range-diff does), then the diff as compared."""
    message = [f"    {line}".rstrip() for line in patch.commit_message.splitlines()]
    return [f"title {patch.title}", *message, "", *patch_lines(patch)]


@dataclass(frozen=True)
class LineFates:
    """What the new patch did to the lines of the old one (indexes into
    `patch_lines(old)`)."""

    replaced: frozenset[int]  # changed into other lines
    deleted: frozenset[int]  # gone without a counterpart
    beside: frozenset[int]  # lines next to which new lines were inserted

    @property
    def touched(self) -> frozenset[int]:
        return self.replaced | self.deleted | self.beside


@functools.lru_cache(maxsize=64)  # every request on a patch asks again
def line_fates(old: Patch, new: Patch) -> LineFates:
    a, b = patch_lines(old), patch_lines(new)
    replaced: set[int] = set()
    deleted: set[int] = set()
    beside: set[int] = set()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace":
            replaced.update(range(i1, min(i2, i1 + j2 - j1)))
            deleted.update(range(i1 + j2 - j1, i2))  # the old side is longer
        elif op == "delete":
            deleted.update(range(i1, i2))
        elif op == "insert":
            beside.update({i1 - 1, i1})
    return LineFates(frozenset(replaced), frozenset(deleted), frozenset(beside))


def _interdiff(old: Patch, new: Patch, old_label: str, new_label: str) -> str:
    lines = difflib.unified_diff(_shown_lines(old), _shown_lines(new), old_label, new_label,
                                 lineterm="")
    return "\n".join(lines)


def patch_interdiffs(old: Revision, new: Revision,
                     pairs: tuple[PatchPair, ...] | list[PatchPair]) -> tuple[PatchInterdiff, ...]:
    """The interdiff of every pair whose two patches differ."""
    olds = {p.index: p for p in old.patches}
    news = {p.index: p for p in new.patches}
    out: list[PatchInterdiff] = []
    for pair in pairs:
        if pair.old is None or pair.new is None:
            continue
        a, b = olds[pair.old], news[pair.new]
        text = _interdiff(a, b, f"{old.label} {pair.old}/{a.total}", f"{new.label} {pair.new}/"
                          f"{b.total}")
        if text:
            out.append(PatchInterdiff(pair.old, pair.new, pair.title, text))
    return tuple(out)
