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


def _concern(c: reviewer.Comparison, msgid_start: str, words: str) -> reviewer.Concern:
    return next(x for x in c.concerns if x.msgid.startswith(msgid_start) and words in x.words)


def test_concerns_the_brief_names(v3_v4: reviewer.Comparison) -> None:
    # E (Amir: patch 1 breaks the build): v4 changes no API at all.
    bisect = _concern(v3_v4, "CAOQ4uxhytw8", "build must not be broken")
    assert bisect.status == "addressed"
    assert any(e.kind == "api-dropped" for e in bisect.evidence)
    # H (Miklos: unhash a negative under d_lock with refcount 1): v4 does that.
    harm = _concern(v3_v4, "CAJfpegtpi1", "Dropping a positive dentry is harmful")
    assert harm.status == "addressed"
    assert any(e.kind == "adopted" and "d_lock" in e.detail for e in harm.evidence)
    # I (Amir: lower layers are shared, make it opt-in): v4 is upper-only with
    # no option and no numbers: only partly answered, so not "addressed".
    shared = _concern(v3_v4, "CAOQ4uxgfEBks", "lower layers can be shared")
    assert shared.status == "unclear"
    # The author's own replies (Chengguang, from two sender names) are no concerns.
    assert not [x for x in v3_v4.concerns if x.reviewer.email == "cgxu519@mykernel.net"]
