"""A revision touching 10 files of about 300 lines each is analysed whole
(the timing lives in bench/race_bench.py)."""

from __future__ import annotations

from pathlib import Path

from reviewer.checks.race import SourceFile, analyze

FIXTURES = Path(__file__).parent / "fixtures"


def test_ten_files_of_300_lines() -> None:
    chunks = [p.read_text() for p in sorted(FIXTURES.glob("*.c"))]
    files = []
    for i in range(10):
        text, k = "", i
        while text.count("\n") < 300:
            text += chunks[k % len(chunks)]
            k += 1
        lines = text.count("\n")
        files.append(SourceFile(f"fs/f{i}.c", text, frozenset(range(1, lines + 1)), "tree"))
    hits = analyze(files)
    assert {h.path for h in hits} == {f.path for f in files}
