"""`compare` on the authored sample: findings, API surface, range-diff and
the reviewers' concerns, each against what the sample's text says."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import reviewer
from reviewer.checks.engine import RevisionReport, check_series
from reviewer.config import Config
from reviewer.errors import ReviewerError


@dataclass(frozen=True)
class Sample:
    tree: Path
    mbox: Path
    series: reviewer.Series
    repo: reviewer.GitRepo
    applies: dict[str, reviewer.ApplyResult]  # by revision label
    reports: dict[str, RevisionReport]

    def compare(self, old: int, new: int, tree: bool = True) -> reviewer.Comparison:
        s = self.series
        if not tree:
            return reviewer.compare_revisions(s, s.revision(old), s.revision(new),
                                              reports=self.reports)
        return reviewer.compare_revisions(s, s.revision(old), s.revision(new), self.repo,
                                          self.applies, self.reports)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    tree, mbox = reviewer.write_sample(tmp_path_factory.mktemp("sample"))
    series = reviewer.open_source(mbox).series[0]
    repo = reviewer.GitRepo(tree)
    applies = reviewer.apply_series(repo, series)
    assert all(a.applied for a in applies)
    reports = check_series(series, applies, repo, Config())
    return Sample(tree, mbox, series, repo, {a.label: a for a in applies},
                  {r.label: r for r in reports})


def _race_registered() -> bool:
    try:
        reviewer.get_rule("RACE001")
    except ReviewerError:
        return False
    return True


needs_race = pytest.mark.skipif(not _race_registered(),
                                reason="race rules (RACE0xx) are not registered yet")


# --- findings --------------------------------------------------------------------

@needs_race
def test_v1_race_findings_are_fixed_in_v4(sample: Sample) -> None:
    c = sample.compare(1, 4)
    race_v1 = [f for f in sample.reports["v1"].findings if f.rule_id.startswith("RACE")]
    assert {"RACE001", "RACE003"} <= {f.rule_id for f in race_v1}
    assert {f.fingerprint for f in race_v1} <= {f.fingerprint for f in c.fixed}
    assert not [f for f in c.new_findings if f.rule_id.startswith("RACE")]
    assert not [n for _o, n in c.persisting if n.rule_id.startswith("RACE")]


def test_policy_findings_move_as_the_series_does(sample: Sample) -> None:
    v2_v3 = sample.compare(2, 3)
    assert {"POL009", "POL014"} <= {f.rule_id for f in v2_v3.fixed}  # changelog, exports
    assert "POL012" in {f.rule_id for f in v2_v3.new_findings}  # 1/9 breaks the build
    v3_v4 = sample.compare(3, 4)
    assert "POL012" in {f.rule_id for f in v3_v4.fixed}
    assert not [f for f in v3_v4.new_findings if f.severity is reviewer.Severity.ERROR]
    assert v3_v4.old_checked and v3_v4.new_checked


def test_checks_run_when_no_reports_are_given(sample: Sample) -> None:
    s = sample.series
    c = reviewer.compare_revisions(s, s.revision(3), s.revision(4),
                                   config=Config(select=("POL012",)))
    assert c.old_checked and c.new_checked
    assert {f.rule_id for f in c.fixed} == {"POL012"}
    partial = reviewer.compare_revisions(s, s.revision(3), s.revision(4), reports={})
    assert not partial.old_checked and not partial.fixed  # what the caller passed, nothing more


# --- API surface -------------------------------------------------------------------

def _names(side: reviewer.ApiSurface, kind: str, change: str) -> set[str]:
    return {c.name for c in side.changes if c.kind == kind and c.change == change}


@pytest.mark.parametrize("tree", [True, False], ids=["tree", "hunks"])
def test_api_surface_of_each_revision(sample: Sample, tree: bool) -> None:
    v2 = sample.compare(1, 2, tree).api
    v3 = sample.compare(2, 3, tree).api
    assert v2 is not None and v3 is not None
    assert v2.old.changes == ()  # v1 only changes overlayfs' own code
    assert v2.new.level == ("tree" if tree else "diff")
    helpers = {"lookup_dcache", "__lookup_slow", "lookup_one_len_common"}
    assert _names(v2.new, "export", "added") == helpers
    assert _names(v2.new, "prototype", "added") == helpers
    assert _names(v3.new, "flag", "added") == {"LOOKUP_NOCACHE_NEG"}
    flag = next(c for c in v3.new.changes if c.kind == "flag")
    assert flag.file == "include/linux/namei.h" and flag.after and "0x10000" in flag.after
    assert "LOOKUP_" in flag.note and flag.patch == 1
    changed = [c for c in v3.new.changes if c.kind == "prototype"]
    assert {c.name for c in changed} == {"lookup_one_len_unlocked", "lookup_positive_unlocked"}
    for c in changed:
        assert c.change == "changed" and c.note == "3 → 4 parameters" and c.patch == 1
        assert c.after and c.after.endswith("int len, unsigned int flags)")
    assert {c.name for c in v3.dropped} == helpers  # v3 exports nothing any more


def test_v4_touches_no_api(sample: Sample) -> None:
    api = sample.compare(3, 4).api
    assert api is not None
    assert api.new.changes == ()
    assert {c.key for c in api.dropped} == {c.key for c in api.old.changes}
    assert api.introduced == () and api.kept == ()
    same = sample.compare(1, 4).api
    assert same is not None and same.same and not same.kept


# --- range-diff ----------------------------------------------------------------------

def test_v2_v3_range_diff_when_applied(sample: Sample) -> None:
    c = sample.compare(2, 3)
    assert c.pairing == "range-diff"
    assert c.range_diff_note == "git range-diff of the applied commits"
    assert "vfs: add a lookup flag to drop new negative dentries" in c.range_diff
    assert "quota: pass lookup flags to lookup_positive_unlocked()" in c.range_diff
    pairs = {(p.old, p.new): p for p in c.pairs}
    # git pairs nothing; the ovl patches are paired by subject, their range-diff appended
    assert pairs[(1, 2)].status == "changed" and pairs[(1, 2)].by == "subject"
    assert "# v2 1 and v3 2 paired by subject:" in c.range_diff
    assert [p.new for p in c.pairs if p.status == "added"] == [1, 3, 4, 5, 6, 7, 8, 9]


def test_without_a_tree_patches_are_paired_by_patch_id_and_subject(sample: Sample) -> None:
    c = sample.compare(2, 3, tree=False)
    assert c.pairing == "patch-id+subject" and c.range_diff == ""
    assert "patch-id and subject" in c.range_diff_note
    assert any(p.old == 1 and p.new == 2 and p.status == "changed" for p in c.pairs)


# --- review concerns ------------------------------------------------------------------

def _statuses(c: reviewer.Comparison) -> list[tuple[str, str]]:
    """(reply key as in samples/replies.py, status), in thread order."""
    return [(x.msgid.split(".", 1)[1].split("@")[0], x.status) for x in c.concerns]


def test_v1_concerns_in_v4(sample: Sample) -> None:
    assert _statuses(sample.compare(1, 4)) == [
        # "no layer at all": the quoted commit-message paragraph is rewritten, v4
        # says "or nowhere".
        ("v1-anika", "addressed"),
        # "belongs in a VFS helper": v4's changelog answers it ("Do it all in
        # overlayfs ... no change to the VFS"), as Marek later agreed to.
        ("v1-anika", "addressed"),
        # no lock, no refcount check, drops cached dentries: v4 rechecks under
        # d_lock with d_lockref.count == 1 and says so in its changelog.
        ("v1-marek", "addressed"),
    ]  # Lin's own reply (v1-author) is no concern


def test_v2_concerns_in_v3(sample: Sample) -> None:
    assert _statuses(sample.compare(2, 3)) == [
        # three exported internals: v3's changelog "Stop exporting ..." and the
        # exports are gone from the API surface.
        ("v2-anika", "addressed"),
        # copied lookup code, use a flag in lookup_slow(): v3 adds the flag,
        # "instead of repeating VFS code in overlayfs".
        ("v2-anika", "addressed"),
        # Marek's sketch (flag, d_drop in __lookup_slow(), flags argument, callers
        # pass 0): v3 is that sketch, and says so patch by patch.
        ("v2-marek-sketch", "addressed"),
        # "Drop" is a misleading name: answered only through Marek's next reply
        # (LOOKUP_NOCACHE_NEG); nothing in v3 refers to the objection itself.
        ("v2-anika-name", "unclear"),
        # LOOKUP_NOCACHE_NEG, then: v3 adds exactly that flag.
        ("v2-marek-name", "addressed"),
        # Dana agrees with LOOKUP_NOCACHE_NEG: adopted.
        ("v2-dana", "addressed"),
    ]


def test_v3_concerns_in_v4(sample: Sample) -> None:
    c = sample.compare(3, 4)
    assert _statuses(c) == [
        # 1/9 breaks bisection: v4 changes no prototype ("no change to the VFS or
        # its callers"), the quoted declarations are gone.
        ("v3-anika-bisect", "addressed"),
        # why a VFS flag, why not in overlayfs: v4 does it all in overlayfs.
        ("v3-ivo", "addressed"),
        # the race v1 had: v4 closes it under d_lock, without VFS internals.
        ("v3-anika-race", "addressed"),
        # which tree: mainline / via overlayfs; v4 goes through overlayfs only.
        ("v3-marek-tree", "addressed"),
        # unhash under d_lock with d_lockref.count == 1: v4 does exactly that.
        ("v3-marek-harm", "addressed"),
        # lower layers are shared, make it opt-in: v4 leaves lower layers alone.
        ("v3-anika-shared", "addressed"),
        # upper layer first: v4 is upper-layer only.
        ("v3-marek-ok", "addressed"),
    ]  # Lin's v3-author-ack and v3-author-upper are not concerns
    harm = next(x for x in c.concerns if "v3-marek-harm" in x.msgid)
    adopted = next(e for e in harm.evidence if e.kind == "adopted")
    assert "d_lock" in adopted.detail and "__d_drop" in adopted.detail
    bisect = c.concerns[0]
    assert bisect.quote_kind == "diff" and bisect.file == "include/linux/namei.h"
    assert bisect.code == "changed"
    assert any(e.kind == "api-dropped" and "lookup_one_len_unlocked" in e.detail
               for e in bisect.evidence)


def test_comparison_json(sample: Sample) -> None:
    c = sample.compare(3, 4)
    data = json.loads(json.dumps(reviewer.comparison_to_json(c, sample.series, "x",
                                                             sample.applies)))
    assert set(data) == {"schema", "source", "title", "old", "new", "pairing",
                         "range_diff_note", "range_diff", "pairs", "api", "findings",
                         "concerns", "counts"}
    assert data["old"]["label"] == "v3" and data["new"]["apply"]["applied"] is True
    assert {x["name"] for x in data["api"]["dropped"]} == {
        "LOOKUP_NOCACHE_NEG", "lookup_one_len_unlocked", "lookup_positive_unlocked"}
    assert data["counts"]["concerns"] == {"addressed": 7, "open": 0, "unclear": 0}
    assert data["findings"]["fixed"][0]["fingerprint"]
    concern = data["concerns"][0]
    assert set(concern) == {"reviewer", "msgid", "answers", "patch", "quote_kind", "file",
                            "quoted", "words", "code", "status", "evidence"}
