"""Speed: one revision touching 10 files of about 300 lines each."""

from __future__ import annotations

import time
from pathlib import Path

from reviewer.checks.race import SourceFile, analyze

FIXTURES = Path(__file__).parent / "fixtures"


def test_ten_files_of_300_lines_quickly() -> None:
    chunks = [p.read_text() for p in sorted(FIXTURES.glob("*.c"))]
    files = []
    for i in range(10):
        text, k = "", i
        while text.count("\n") < 300:
            text += chunks[k % len(chunks)]
            k += 1
        lines = text.count("\n")
        files.append(SourceFile(f"fs/f{i}.c", text, frozenset(range(1, lines + 1)), "tree"))
    analyze(files)  # warm-up: table load, parser creation
    start = time.perf_counter()
    hits = analyze(files)
    elapsed = time.perf_counter() - start
    total = sum(f.text.count("\n") for f in files)
    print(f"race analysis: {len(files)} files, {total} lines, {len(hits)} hits, {elapsed:.3f} s")
    assert hits and elapsed < 5.0
