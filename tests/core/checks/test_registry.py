"""The rule registry: unique stable IDs, documented rules, a test per rule."""

from __future__ import annotations

import re
from pathlib import Path

from reviewer.checks.registry import REQUIRED_SECTIONS, all_rules, get_rule
from reviewer.cli import main

TESTS = Path(__file__).resolve().parents[2]


def test_ids_names_and_docs() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"(POL|RACE)\d{3}", r.id), r.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        for section in REQUIRED_SECTIONS:
            assert section in r.doc, f"{r.id} lacks {section!r}"
        assert r.summary.endswith("."), r.id


def test_every_rule_has_a_test() -> None:
    texts = "".join(p.read_text() for p in TESTS.rglob("test_*.py") if p.name != "test_registry.py")
    missing = [r.id for r in all_rules() if r.id not in texts]
    assert not missing, f"rules without a test naming them: {missing}"


def test_rules_cli_lists_and_explains(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["rules"]) == 0
    listed = capsys.readouterr().out
    assert all(r.id in listed for r in all_rules())
    assert main(["rules", "--explain", "pol009"]) == 0
    out = capsys.readouterr().out
    assert "missing-changelog (POL009)" in out and "Why is this bad?" in out
    assert get_rule("POL009").name == "missing-changelog"


def test_unknown_rule_is_a_one_line_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["rules", "--explain", "NOPE1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown rule" in err
