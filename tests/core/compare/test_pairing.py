"""Pairing the patches of two revisions by diff similarity (an optimal
assignment, as git range-diff) and the patch-level interdiff, on made-up
series."""

from __future__ import annotations

from pathlib import Path

from mailfactory import mail, mbox

import reviewer
from reviewer.compare.pairing import linear_assignment


def test_the_assignment_is_optimal_where_greedy_is_not() -> None:
    # Greedy row by row takes 1 then 100; the optimum is 2 + 2.
    assert linear_assignment([[1, 2], [2, 100]]) == [1, 0]
    cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    chosen = linear_assignment(cost)
    assert sorted(chosen) == [0, 1, 2]
    assert sum(cost[i][j] for i, j in enumerate(chosen)) == 5


def _diff(path: str, lines: list[str]) -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return (f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n"
            f"+++ b/{path}\n@@ -1,1 +1,{len(lines) + 1} @@ int f(void)\n {{\n{body}")


def _patch(version: int, k: int, n: int, title: str, diff: str) -> str:
    tag = f"PATCH v{version} {k}/{n}" if version > 1 else f"PATCH {k}/{n}"
    cover = f"c{version}@x"
    return mail(f"[{tag}] {title}", msgid=f"v{version}p{k}@x", in_reply_to=cover, diff=diff,
                date=f"Mon, 0{version} Mar 2024 10:00:0{k} +0000")


def _cover(version: int, n: int) -> str:
    tag = f"PATCH v{version} 0/{n}" if version > 1 else f"PATCH 0/{n}"
    return mail(f"[{tag}] demo: two things", msgid=f"c{version}@x", diff=None, signoff=None,
                body="Cover.\n\n demo | 2 +-", date=f"Mon, 0{version} Mar 2024 10:00:00 +0000")


ALPHA = ["\talpha_setup(ctx);", "\talpha_check(ctx);", "\talpha_commit(ctx);"]
BETA = ["\tbeta_one(ctx);", "\tbeta_two(ctx);", "\tbeta_three(ctx);", "\tbeta_four(ctx);"]


def test_patches_pair_by_their_diffs_not_their_order_or_subject(tmp_path: Path) -> None:
    # v2 puts a new patch first, renames beta's patch and changes one line of
    # it; alpha is unchanged but now third, under beta's old subject.
    beta2 = [*BETA[:3], "\tbeta_four(ctx, 0);"]
    path = mbox(tmp_path, _cover(1, 2),
                _patch(1, 1, 2, "demo: alpha", _diff("a.c", ALPHA)),
                _patch(1, 2, 2, "demo: beta", _diff("b.c", BETA)),
                _cover(2, 3),
                _patch(2, 1, 3, "demo: gamma", _diff("c.c", ["\tgamma(ctx);"])),
                _patch(2, 2, 3, "demo: beta, reworked", _diff("b.c", beta2)),
                _patch(2, 3, 3, "demo: beta", _diff("a.c", ALPHA)))
    series = reviewer.open_source(path).series[0]
    old, new = series.revision(1), series.revision(2)
    pairs = reviewer.pair_patches(old.patches, new.patches)
    assert [(p.old, p.new, p.status, p.by) for p in pairs] == [
        (None, 1, "added", "diff"), (2, 2, "changed", "diff"), (1, 3, "same", "patch-id")]
    # no applied commits: each pair gets its interdiff; the same diff under
    # another title shows only the title
    c = reviewer.compare_revisions(series, old, new, reports={})
    assert c.pairing == "diff" and c.range_diff == ""
    interdiff, retitled = c.interdiffs
    assert (interdiff.old, interdiff.new, retitled.old, retitled.new) == (2, 2, 1, 3)
    changed = [ln for ln in retitled.text.splitlines()[2:] if ln[:1] in "+-"]
    assert changed == ["-title demo: alpha", "+title demo: beta"]
    assert "--- v1 2/2" in interdiff.text and "+++ v2 2/3" in interdiff.text
    assert "-+\tbeta_four(ctx);" in interdiff.text
    assert "++\tbeta_four(ctx, 0);" in interdiff.text
    assert "-title demo: beta" in interdiff.text  # the commit's title is compared too


def test_a_rewritten_patch_is_left_unpaired_unless_it_is_the_only_one(tmp_path: Path) -> None:
    beta, alpha = _diff("b.c", BETA), _diff("a.c", ALPHA)
    path = mbox(tmp_path, _cover(1, 2), _patch(1, 1, 2, "demo: beta", beta),
                _patch(1, 2, 2, "demo: gamma", _diff("c.c", ["\tgamma(ctx);"])),
                _cover(2, 2), _patch(2, 1, 2, "demo: beta", alpha),
                _patch(2, 2, 2, "demo: gamma", _diff("c.c", ["\tgamma(ctx);"])))
    series = reviewer.open_source(path).series[0]
    pairs = reviewer.pair_patches(series.revision(1).patches, series.revision(2).patches)
    assert [(p.old, p.new, p.status) for p in pairs] == [
        (None, 1, "added"), (2, 2, "same"), (1, None, "removed")]
    one = reviewer.pair_patches(series.revision(1).patches[:1], series.revision(2).patches[:1])
    assert [(p.old, p.new, p.status) for p in one] == [(1, 1, "changed")]
