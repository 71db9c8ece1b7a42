"""Race analysis speed: one revision touching 10 files (~300 lines each),
every line treated as changed, against the baseline of parsing them alone.

    python bench/race_bench.py [--repeat N]

Prints a table and a JSON line.  Goal (issue 5): analysis under 1 s."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from reviewer import cparse
from reviewer.checks.race import SourceFile, analyze

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "samples" / "tree" / "fs").rglob("*.c")) + sorted(
    (ROOT / "tests" / "core" / "race" / "fixtures").glob("*.c"))


def ten_files() -> list[SourceFile]:
    chunks = [p.read_text() for p in SOURCES]
    files = []
    for i in range(10):
        text, k = "", i
        while text.count("\n") < 300:
            text += chunks[k % len(chunks)] + "\n"
            k += 1
        n = text.count("\n")
        files.append(SourceFile(f"fs/f{i}.c", text, frozenset(range(1, n + 1)), "tree"))
    return files


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    repeat = ap.parse_args().repeat
    files = ten_files()
    analyze(files)  # warm-up: the API table and the parser
    parse_s = timed(lambda: [cparse.functions(f.text) for f in files], repeat)
    analysis_s = timed(lambda: analyze(files), repeat)
    lines = sum(f.text.count("\n") for f in files)
    print(f"{'measure':32} {'value':>10}")
    print(f"{'files / lines':32} {len(files):>4} / {lines}")
    print(f"{'parse only (baseline) s':32} {parse_s:>10.3f}")
    print(f"{'race analysis s':32} {analysis_s:>10.3f}")
    print(f"{'analysis / parse':32} {analysis_s / parse_s:>10.1f}")
    print(f"{'goal: analysis < 1 s':32} {'met' if analysis_s < 1 else 'NOT met':>10}")
    print(json.dumps({"files": len(files), "lines": lines, "parse_s": round(parse_s, 4),
                      "analysis_s": round(analysis_s, 4),
                      "ratio": round(analysis_s / parse_s, 2)}))


if __name__ == "__main__":
    main()
