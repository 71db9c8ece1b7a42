"""The policy findings the checks issue promises on the sample thread and on
the real reference thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REFERENCE_THREAD, need

import reviewer
from reviewer.checks.engine import RevisionReport, check_series
from reviewer.config import Config
from reviewer.model import Severity


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[int, RevisionReport]:
    """Every revision of the sample applied to the sample tree, then checked."""
    tree, mbox = reviewer.write_sample(tmp_path_factory.mktemp("sample"))
    series = reviewer.open_source(mbox).series[0]
    repo = reviewer.GitRepo(tree)
    applies = reviewer.apply_series(repo, series)
    assert all(a.applied for a in applies)
    reports = check_series(series, applies, repo, Config(select=("POL",)))
    return {r.version: r for r in reports}


def by_rule(report: RevisionReport, rule_id: str) -> list[reviewer.Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def test_v2_has_no_changelog(sample_reports: dict[int, RevisionReport]) -> None:
    assert by_rule(sample_reports[2], "POL009")
    assert not any(by_rule(sample_reports[v], "POL009") for v in (1, 3, 4))


def test_v2_exports_the_slow_path_helper(sample_reports: dict[int, RevisionReport]) -> None:
    found = by_rule(sample_reports[2], "POL014")
    assert any("__lookup_slow" in f.message and "static" in f.message for f in found)
    assert all(f.file == "fs/namei.c" and f.line for f in found)


def test_v3_not_bisectable_from_1_to_8(sample_reports: dict[int, RevisionReport]) -> None:
    (found,) = by_rule(sample_reports[3], "POL012")  # one cause, one finding
    assert found.level == "tree" and found.patch == 1
    assert found.patches == tuple(range(1, 9)) and "1/9 to 8/9" in found.message


def test_v3_misses_the_callers_lists(sample_reports: dict[int, RevisionReport]) -> None:
    missing = " ".join(f.message for f in by_rule(sample_reports[3], "POL013"))
    for subsystem in ("cifs", "nfsd", "quota"):
        assert subsystem in missing


def test_v4_has_no_error(sample_reports: dict[int, RevisionReport]) -> None:
    errors = [f for f in sample_reports[4].findings if f.severity is Severity.ERROR]
    assert not errors, errors


def test_checkpatch_is_skipped_on_the_sample(sample_reports: dict[int, RevisionReport]) -> None:
    outcome = sample_reports[1].outcome("POL005")
    assert outcome is not None and outcome.status == "skipped"
    assert "checkpatch.pl" in outcome.reason


def test_reference_v3_bisect_at_diff_level() -> None:
    """The real thread applies to no tree we have; 1/9's prototype change is
    still caught from the hunks."""
    series = reviewer.open_source(need(REFERENCE_THREAD)).series[0]
    reports = check_series(series, None, None, Config(select=("POL012", "POL014")))
    v3 = {r.version: r for r in reports}[3]
    found = by_rule(v3, "POL012")
    assert found and all(f.level == "diff" for f in found)
    first = [f for f in found if f.patch == 1]
    assert {"lookup_one_len_unlocked", "lookup_positive_unlocked"} <= {
        name for f in first for name in ("lookup_one_len_unlocked", "lookup_positive_unlocked")
        if name in f.message}
    assert max(k for f in found for k in f.patches) == 8
    v2 = {r.version: r for r in reports}[2]
    exported = " ".join(f.message for f in by_rule(v2, "POL014"))
    assert all(n in exported for n in ("lookup_dcache", "__lookup_slow", "lookup_one_len_common"))


def test_json_report_round_trips(tmp_path: Path, sample_reports: dict[int, RevisionReport]) -> None:
    from reviewer.output.report import SeriesReport, to_json

    series = reviewer.open_source(reviewer.demo_paths()[1]).series[0]
    data = to_json([SeriesReport(series, tuple(sample_reports.values()))], [], "x")
    assert [r["label"] for r in data["series"][0]["revisions"]] == ["v1", "v2", "v3", "v4"]
