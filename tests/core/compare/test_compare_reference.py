"""`compare` on the real 2020 overlayfs thread, v3 → v4 (no tree: none of
its revisions applies to a tree we have, so everything is read from the
mails)."""

from __future__ import annotations

import pytest
from helpers import REFERENCE_THREAD, need

import reviewer
from reviewer.config import Config


@pytest.fixture(scope="module")
def v3_v4() -> reviewer.Comparison:
    series = reviewer.open_source(need(REFERENCE_THREAD)).series[0]
    return reviewer.compare_revisions(series, series.revision(3), series.revision(4),
                                      config=Config(select=("POL012", "POL014", "RACE")))


def test_the_api_change_disappears(v3_v4: reviewer.Comparison) -> None:
    api = v3_v4.api
    assert api is not None and api.old.level == "diff"
    assert {(c.kind, c.name, c.change) for c in api.old.changes} == {
        ("flag", "LOOKUP_DONTCACHE_NEGATIVE", "added"),
        ("prototype", "lookup_one_len_unlocked", "changed"),
        ("prototype", "lookup_positive_unlocked", "changed"),
    }
    assert all(c.patch == 1 for c in api.old.changes)  # all of it in 1/9
    assert api.new.changes == () and api.introduced == ()
    assert {c.name for c in api.dropped} == {c.name for c in api.old.changes}


def test_the_bisect_finding_is_fixed(v3_v4: reviewer.Comparison) -> None:
    (fixed,) = [f for f in v3_v4.fixed if f.rule_id == "POL012"]  # one cause, one finding
    assert fixed.patch == 1 and fixed.patches == tuple(range(1, 9))
    assert not [f for f in v3_v4.new_findings if f.rule_id == "POL012"]
    assert not [f for f in v3_v4.new_findings if f.rule_id.startswith("RACE")]


def _request(c: reviewer.Comparison, msgid_start: str, words: str) -> reviewer.Request:
    return next(x for x in c.requests if x.msgid.startswith(msgid_start) and words in x.words)


def test_requests_the_brief_names(v3_v4: reviewer.Comparison) -> None:
    # E (Amir: patch 1 breaks the build): v4 changes no API at all.
    bisect = _request(v3_v4, "CAOQ4uxhytw8", "build must not be broken")
    assert bisect.verdict == "addressed"
    assert any(e.kind == "api-dropped" for e in bisect.evidence)
    # H (Miklos: unhash a negative under d_lock with refcount 1): v4 does that.
    harm = _request(v3_v4, "CAJfpegtpi1", "Dropping a positive dentry is harmful")
    assert harm.verdict == "addressed"
    assert any(e.kind == "adopted" and "d_lock" in e.detail for e in harm.evidence)
    # I (Amir: lower layers are shared, make it opt-in): v4 is upper-only with
    # no option and no numbers: only partly answered, so not "addressed".
    shared = _request(v3_v4, "CAOQ4uxgfEBks", "lower layers can be shared")
    assert shared.verdict not in ("addressed", "unknown")
    # The author's own replies (Chengguang, from two sender names) are no requests.
    assert not [x for x in v3_v4.requests if x.reviewer.email == "cgxu519@mykernel.net"]


def test_the_conditional_reviewed_by_is_not_carried(v3_v4: reviewer.Comparison) -> None:
    # Amir's "Once that's done, you may add: Reviewed-by" answers the cover
    # letter, so b4 gives it to all nine v3 patches; v4 is a new patch.
    given = {t.trailer for t in v3_v4.trailers}
    (reviewed,) = given
    assert reviewed.name == "Reviewed-by" and reviewed.patch == 0
    assert "Once that's done" in reviewed.condition
    assert len(v3_v4.trailers) == 9
    assert {t.status for t in v3_v4.trailers} == {"patch-dropped"}
