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


# --- range-diff, pairing ------------------------------------------------------------

def test_v2_v3_range_diff_when_applied(sample: Sample) -> None:
    c = sample.compare(2, 3)
    assert c.pairing == "range-diff" and c.interdiffs == ()
    assert c.range_diff_note == "git range-diff of the applied commits"
    assert "vfs: add a lookup flag to drop new negative dentries" in c.range_diff
    assert "quota: pass lookup flags to lookup_positive_unlocked()" in c.range_diff
    # git pairs nothing, and neither does diff similarity among the leftovers:
    # v2's ovl patch (exports, a copied helper) and v3's (passes a flag)
    # share no changed line.  Subjects no longer pair them.
    assert [p.new for p in c.pairs if p.status == "added"] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert [p.old for p in c.pairs if p.status == "removed"] == [1]


def test_without_a_tree_patches_are_paired_by_diff_similarity(sample: Sample) -> None:
    c = sample.compare(2, 3, tree=False)
    assert c.pairing == "diff" and c.range_diff == ""
    assert "diff similarity" in c.range_diff_note
    assert {(p.old, p.new, p.status) for p in c.pairs if p.old} == {(1, None, "removed")}


# --- review requests ----------------------------------------------------------------

def _verdicts(c: reviewer.Comparison) -> list[tuple[str, str]]:
    """(reply key as in samples/replies.py, verdict), in thread order."""
    return [(x.msgid.split(".", 1)[1].split("@")[0], x.verdict) for x in c.requests]


def test_v1_requests_in_v4(sample: Sample) -> None:
    assert _verdicts(sample.compare(1, 4)) == [
        # "belongs in a VFS helper": v4's changelog answers it ("Do it all in
        # overlayfs ... no change to the VFS"), as Marek later agreed to.
        ("v1-anika", "addressed"),
        # no lock, no refcount check, drops cached dentries: v4 rechecks under
        # d_lock with d_lockref.count == 1 and says so in its changelog.
        ("v1-marek", "addressed"),
    ]  # Anika's "the same goes for a name in no layer" asks nothing; Lin's reply is the author's


def test_v2_requests_in_v3(sample: Sample) -> None:
    assert _verdicts(sample.compare(2, 3)) == [
        # three exported internals: v3's changelog and commit messages name the
        # flags argument that replaces them.
        ("v2-anika", "addressed"),
        # copied lookup code, use a flag in lookup_slow(): v3 adds the flag.
        ("v2-anika", "addressed"),
        # "Drop" is a misleading name: answered only through Marek's next reply
        # (LOOKUP_NOCACHE_NEG); nothing in v3 refers to the objection itself.
        ("v2-anika-name", "unclear"),
    ]  # Marek's sketch opens with "Agreed", his name and Dana's reply ask nothing


def test_v3_requests_in_v4(sample: Sample) -> None:
    c = sample.compare(3, 4)
    assert _verdicts(c) == [
        # 1/9 breaks bisection: v4 changes no prototype ("no change to the VFS or
        # its callers"), the quoted declarations are gone.
        ("v3-anika-bisect", "addressed"),
        # why a VFS flag, why not in overlayfs: v4 does it all in overlayfs.
        ("v3-ivo", "addressed"),
        # unhash under d_lock with d_lockref.count == 1: v4 does exactly that.
        ("v3-marek-harm", "addressed"),
        # lower layers are shared, make it opt-in: v4 leaves lower layers alone
        # and its commit message says why.
        ("v3-anika-shared", "addressed"),
    ]  # the race explanation, the tree answer and "sounds good" ask for nothing
    harm = next(x for x in c.requests if "v3-marek-harm" in x.msgid)
    adopted = next(e for e in harm.evidence if e.kind == "adopted")
    assert "d_lock" in adopted.detail and "__d_drop" in adopted.detail
    bisect = c.requests[0]
    assert bisect.quote_kind == "diff" and bisect.file == "include/linux/namei.h"
    assert bisect.code == "replaced"  # the whole VFS patch is gone from v4
    assert any(e.kind == "api-dropped" and "lookup_one_len_unlocked" in e.detail
               for e in bisect.evidence)
    accepted = next(e for e in bisect.evidence if e.kind == "accepted")
    assert accepted.msgid and "v3-author-ack" in accepted.msgid


def test_comparison_json(sample: Sample) -> None:
    c = sample.compare(3, 4)
    data = json.loads(json.dumps(reviewer.comparison_to_json(c, sample.series, "x",
                                                             sample.applies)))
    assert set(data) == {"schema", "source", "title", "old", "new", "pairing",
                         "range_diff_note", "range_diff", "pairs", "interdiffs", "api",
                         "findings", "requests", "bot_reports", "trailers", "counts"}
    assert data["schema"] == 2
    assert data["old"]["label"] == "v3" and data["new"]["apply"]["applied"] is True
    assert {x["name"] for x in data["api"]["dropped"]} == {
        "LOOKUP_NOCACHE_NEG", "lookup_one_len_unlocked", "lookup_positive_unlocked"}
    assert data["counts"]["requests"]["addressed"] == 4
    assert data["counts"]["requests"]["unclear"] == 0
    assert data["findings"]["fixed"][0]["fingerprint"]
    request = data["requests"][0]
    assert set(request) == {"reviewer", "msgid", "answers", "patch", "quote_kind", "file",
                            "quoted", "words", "code", "verdict", "evidence"}
    assert request["verdict"] == "addressed" and request["code"] == "replaced"
    assert {"kind", "detail", "msgid", "against"} == set(request["evidence"][0])
    assert data["new"]["trailers"] == {"acked": 0, "reviewed": 1, "tested": 0}
