"""Patchwork's series-grouping fixtures, with patchwork's own expectations
(../shared/corpus/peers/oracles.json).  Patchwork's "series" is what we call
a Revision: one posting of a cover and its patches."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from helpers import PEERS

import reviewer


def _fixtures() -> list[Any]:
    oracles = PEERS / "oracles.json"
    if not oracles.exists():
        return [pytest.param(None, id="peers-absent")]
    data = json.loads(oracles.read_text())
    out = []
    for fx in data["fixtures"]:
        if fx.get("kind") != "series-grouping":
            continue
        name = fx["file"].rsplit("/", 1)[-1]
        marks: list[Any] = []
        if name.endswith(".template"):
            marks.append(pytest.mark.skip(reason="a str.format template, not an mbox"))
        elif name.startswith("dependency-"):
            marks.append(pytest.mark.skip(reason="about series dependencies, not grouping"))
        out.append(pytest.param(fx, id=name, marks=marks))
    return out


def test_grouping_fixtures_exist() -> None:
    """The oracles name the fixtures this module runs, and each is present."""
    if not (PEERS / "oracles.json").exists():
        pytest.skip(f"{PEERS} is absent (../shared is not beside the checkout)")
    fixtures = [p.values[0] for p in _fixtures()]
    assert len(fixtures) >= 25
    assert all((PEERS / fx["file"]).is_file() for fx in fixtures)


@pytest.mark.parametrize("fixture", _fixtures())
def test_series_grouping(fixture: dict[str, Any] | None) -> None:
    if fixture is None:
        pytest.skip(f"{PEERS} is absent (../shared is not beside the checkout)")
    assert "patches_per_series" in fixture or isinstance(fixture.get("parsed_counts"), dict)
    opened = reviewer.open_source(PEERS / fixture["file"])
    revs = sorted((r for s in opened.series for r in s.revisions),
                  key=lambda r: (r.first_message.date, r.first_message.msgid))
    if "patches_per_series" in fixture:
        want_patches = Counter(fixture["patches_per_series"])
        assert Counter(len(r.patches) for r in revs) == want_patches
    if "covers_per_series" in fixture:
        covers = fixture["covers_per_series"]
        assert Counter(int(r.cover is not None) for r in revs) == Counter(covers)
        pairs = list(zip(fixture["patches_per_series"], covers, strict=True))
        got = [(len(r.patches), int(r.cover is not None)) for r in revs]
        assert Counter(got) == Counter(pairs)
        assert got == pairs  # patchwork lists its series by date, as we do revisions
    if "series_msgids" in fixture:
        want = Counter(frozenset(m.strip("<>") for m in group)
                       for group in fixture["series_msgids"])
        have = Counter(frozenset(([r.cover.msgid] if r.cover else [])
                                 + [p.msgid for p in r.patches]) for r in revs)
        assert have == want
    counts = fixture.get("parsed_counts")
    if isinstance(counts, dict):
        assert sum(len(r.patches) for r in revs) == counts["patches"]
        assert sum(r.cover is not None for r in revs) == counts["covers"]
        assert sum(len(r.replies) for r in revs) == counts["comments"]
