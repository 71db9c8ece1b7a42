"""The race checks on the real fixes of ../shared/corpus/race-dev, through
the same command and scoring as bench/race_accuracy.py (diff level: no tree
needed).  The floors are what the engine measured when they were set; a
change that loses a found bug or raises a false alarm fails here."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import CORPUS, need

from bench.race_accuracy import RULE_FAMILY, load_manifest, run_check, score

RACE_DEV = CORPUS / "race-dev"


@pytest.mark.slow
def test_race_dev_corpus_at_diff_level() -> None:
    corpus = need(RACE_DEV)
    cases = load_manifest(corpus)
    assert len(cases) == 51
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda c: run_check(corpus, c, None), cases))
    s = score(outcomes)
    assert not s["errors"], s["errors"]
    false_alarms = [(o.case.file, [f.rule for f in o.alarms]) for o in outcomes
                    if o.false_alarm]
    assert false_alarms == []
    assert int(s["found"]) >= 10, [o.case.file for o in outcomes  # type: ignore[call-overload]
                                   if o.case.kind == "bug" and not o.found]
    # Every rule the corpus can raise maps to one family.
    assert {f.rule for o in outcomes for f in o.alarms} <= set(RULE_FAMILY)
