"""Which patch of one revision is which patch of the other, by diff
similarity with an optimal assignment, as `git range-diff` pairs commits:

1. each patch's text is its title, file names, hunk functions and changed
   (`+`/`-`) lines;
2. the cost of pairing two patches is the size of the diff between their
   texts, the cost of leaving one unpaired a fixed share of its own size
   (git's creation factor, 60%);
3. one assignment minimises the total cost (Hungarian method);
4. each pair is "same" (equal patch-id or text), "changed", or one side
   is "added"/"removed".

Subjects play no part beyond the title line: a patch that was renamed is
still found, two patches with the same subject are not confused.  Only a
one-patch revision against a one-patch revision is paired whatever the
cost: there is nothing else it could be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reviewer.model import PairStatus, Patch

__all__ = ["PatchPair", "diff_text", "linear_assignment", "pair_patches"]

CREATION_FACTOR = 0.6  # git range-diff's default (--creation-factor=60)
_NEVER = 1e12  # a cost no real assignment reaches (inf would make inf - inf)


@dataclass(frozen=True)
class PatchPair:
    old: int | None  # patch index in the old revision
    new: int | None
    status: PairStatus
    title: str
    by: str = ""  # how they were paired: "range-diff", "patch-id" or "diff"


def diff_text(patch: Patch) -> list[str]:
    """The lines that identify a patch's change, as git range-diff compares
    them: its title, each file's name and each hunk's function, and every
    added or removed line with its marker (whitespace collapsed)."""
    lines = [f"title {' '.join(patch.title.split())}"]
    for change in patch.files:
        lines.append(f"file {change.path}")
        for hunk in change.hunks:
            lines.append(f"@@ {hunk.section.strip()}")
            lines += [line[0] + " ".join(line[1:].split())
                      for line in hunk.lines if line[:1] in ("+", "-")]
    return lines


def _distance(a: Counter[str], b: Counter[str]) -> int:
    """Lines in one text and not in the other (as a multiset)."""
    return sum(((a - b) + (b - a)).values())


def linear_assignment(cost: Sequence[Sequence[float]]) -> list[int]:
    """Row i → column result[i] of a square cost matrix, with the least
    total cost (the Hungarian method with potentials, O(n³))."""
    n = len(cost)
    u, v = [0.0] * (n + 1), [0.0] * (n + 1)
    owner, way = [0] * (n + 1), [0] * (n + 1)  # column j's row; its path back
    for row in range(1, n + 1):
        owner[0], col = row, 0
        slack, used = [float("inf")] * (n + 1), [False] * (n + 1)
        while owner[col]:
            used[col] = True
            here, delta, nxt = owner[col], float("inf"), 0
            for j in range(1, n + 1):
                if used[j]:
                    continue
                reduced = cost[here - 1][j - 1] - u[here] - v[j]
                if reduced < slack[j]:
                    slack[j], way[j] = reduced, col
                if slack[j] < delta:
                    delta, nxt = slack[j], j
            for j in range(n + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    slack[j] -= delta
            col = nxt
        while col:
            prev = way[col]
            owner[col] = owner[prev]
            col = prev
    result = [0] * n
    for j in range(1, n + 1):
        result[owner[j] - 1] = j - 1
    return result


def pair_patches(old: Sequence[Patch], new: Sequence[Patch]) -> list[PatchPair]:
    """Every patch of `old` and `new`, paired or added/removed, in new order."""
    a = [Counter(diff_text(p)) for p in old]
    b = [Counter(diff_text(p)) for p in new]
    n, m = len(old), len(new)
    size = n + m
    cost = [[0.0] * size for _ in range(size)]
    for i in range(n):
        for j in range(m):
            same = old[i].patch_id is not None and old[i].patch_id == new[j].patch_id
            cost[i][j] = 0.0 if same else float(_distance(a[i], b[j]))
        for k in range(n):  # old i left unpaired
            cost[i][m + k] = CREATION_FACTOR * a[i].total() if k == i else _NEVER
    for j in range(m):
        for k in range(m):  # new j left unpaired
            cost[n + j][k] = CREATION_FACTOR * b[j].total() if k == j else _NEVER
    # One patch on each side is the same patch however much it changed.
    chosen = [0] if n == m == 1 else linear_assignment(cost)
    pairs: list[PatchPair] = []
    for i in range(n):
        j = chosen[i]
        if j >= m:
            pairs.append(PatchPair(old[i].index, None, PairStatus.REMOVED, old[i].title, "diff"))
            continue
        p, q = old[i], new[j]
        if p.patch_id is not None and p.patch_id == q.patch_id:
            pairs.append(PatchPair(p.index, q.index, PairStatus.SAME, q.title, "patch-id"))
        else:
            status = PairStatus.SAME if a[i] == b[j] else PairStatus.CHANGED
            pairs.append(PatchPair(p.index, q.index, status, q.title, "diff"))
    paired = {pair.new for pair in pairs}
    pairs += [PatchPair(None, q.index, PairStatus.ADDED, q.title, "diff")
              for q in new if q.index not in paired]
    return sorted(pairs, key=lambda x: (x.new or 10**6, x.old or 0))
