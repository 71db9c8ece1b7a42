"""Tree level: the race rules read the applied tree and take "what changed"
from the diff of the base against the applied commit, so a hunk that lands
away from its header's line is still examined, at the tree's own line."""

from __future__ import annotations

from pathlib import Path

import pytest
from core.gitutil import commit, format_patch, init_repo

import reviewer
from reviewer.checks.engine import RevisionReport, check_series
from reviewer.config import Config

AUTHOR_FILE = """\
#include <linux/spinlock.h>

static void demo_reset(struct demo *d)
{
\tspin_lock(&d->lock);
\td->count = 0;
\tspin_unlock(&d->lock);
}
"""
# 60 lines of other code above the function in the tree being reviewed.
FILLER = "".join(f"int demo_value_{i}(void)\n{{\n\treturn {i};\n}}\n\n" for i in range(12))
SLEEP = "\tmsleep(10);\n"


def _patch(tmp: Path) -> Path:
    """The author's patch, made on a tree without the filler."""
    author = tmp / "author"
    base = init_repo(author, {"fs/demo.c": AUTHOR_FILE})
    changed = AUTHOR_FILE.replace("\td->count = 0;\n", "\td->count = 0;\n" + SLEEP)
    tip = commit(author, {"fs/demo.c": changed}, "demo: wait for the device\n\nWhy.\n\n"
                 "Signed-off-by: Ann Author <ann@example.org>", "2024-01-02T00:00:00+00:00")
    mbox = tmp / "patch.mbox"
    mbox.write_bytes(format_patch(author, f"{base}..{tip}"))
    return mbox


def _check(tmp: Path, tree_text: str) -> tuple[RevisionReport, reviewer.ApplyResult]:
    tree = tmp / "tree"
    init_repo(tree, {"fs/demo.c": tree_text})
    series = reviewer.open_source(_patch(tmp)).series[0]
    repo = reviewer.GitRepo(tree)
    applies = reviewer.apply_series(repo, series)
    (report,) = check_series(series, applies, repo, Config(select=("RACE",)))
    return report, applies[0]


def _sleep_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if "msleep" in line)


def test_hunk_applied_away_from_its_header_is_reported_at_the_tree_line(
        tmp_path: Path) -> None:
    report, applied = _check(tmp_path, FILLER + AUTHOR_FILE)
    assert applied.applied
    (finding,) = report.findings
    tree_line = _sleep_line(FILLER + AUTHOR_FILE.replace("= 0;\n", "= 0;\n" + SLEEP))
    assert tree_line - _sleep_line(AUTHOR_FILE.replace("= 0;\n", "= 0;\n" + SLEEP)) == 60
    assert (finding.rule_id, finding.line, finding.level) == ("RACE007", tree_line, "tree")
    # The same finding as the diff level reports at the header's line.
    series = reviewer.open_source(_patch(tmp_path / "again")).series[0]
    (diff_report,) = check_series(series, None, None, Config(select=("RACE",)))
    (diff_finding,) = diff_report.findings
    assert diff_finding.fingerprint == finding.fingerprint
    assert diff_finding.line == tree_line - 60 and diff_finding.level == "diff"


@pytest.mark.parametrize("offset", [0, 60])
def test_patch_already_in_the_tree_is_located_there(tmp_path: Path, offset: int) -> None:
    # The tree already holds the change: git applies nothing, and the lines it
    # changed are found by taking the patch back out.
    in_tree = FILLER * (offset // 60) + AUTHOR_FILE.replace("= 0;\n", "= 0;\n" + SLEEP)
    report, applied = _check(tmp_path, in_tree)
    assert [p.status.value for p in applied.patches] == ["already-applied"]
    (finding,) = report.findings
    assert (finding.rule_id, finding.line, finding.level) == ("RACE007", _sleep_line(in_tree),
                                                               "tree")
