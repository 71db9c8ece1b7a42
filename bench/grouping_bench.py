"""P3: loading and grouping a big synthetic thread (bench/synth.py: 1,000
messages, 20 revisions) — mbox → messages → reply tree → series/revisions.

    python bench/grouping_bench.py [--messages 1000] [--revisions 20]
                                   [--repeat 5] [--json out.json]

`in_process_s` is reviewer.open_source() in this process (median of
--repeat runs, modules already imported, every run cold: the parsers'
caches emptied first): the goal is ≤ 0.3 s.  On a shared machine wall
times swing; `cpu_s` (this process's CPU time, git's patch-id child not
counted) and `ratio` hold better: open_source against a baseline measured
in the same run, the standard library's email parser reading the same
mails (`email.message_from_bytes`, default policy), the least any reader
pays.  `cli_s` is `reviewer revisions --json` as a user runs it
(interpreter start included), for information.  Prints a table, then the
JSON.  Figures, not a test.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reviewer  # noqa: E402
from bench.synth import synthetic_thread  # noqa: E402
from reviewer.mail import b4safe as _b4safe  # noqa: E402
from reviewer.mail import message as _message  # noqa: E402
from reviewer.mail import subject as _subject  # noqa: E402
from reviewer.mail.sources import load  # noqa: E402


def _cold() -> None:
    """Empty the parsers' per-process caches (subjects, senders, recipient
    lists, split bodies): each timed run reads the thread as the first one
    does."""
    for module in (_b4safe, _message, _subject):
        for value in vars(module).values():
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def _timed(fn: object) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--revisions", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mbox = Path(tmp) / "big.mbox"
        mbox.write_bytes(synthetic_thread(messages=args.messages, revisions=args.revisions))
        raws = [m.raw for m in load(mbox).messages]
        times, cpus, bases = [], [], []
        for _ in range(args.repeat):
            bases.append(_timed(lambda: [email.message_from_bytes(r, policy=email.policy.default)
                                         for r in raws])[1])
            _cold()
            wall, cpu = _timed(lambda: reviewer.open_source(mbox))
            times.append(wall)
            cpus.append(cpu)
        opened = reviewer.open_source(mbox)
        revisions = sum(len(s.revisions) for s in opened.series)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(ROOT)
        cli = [sys.executable, "-m", "reviewer.cli", "revisions", str(mbox), "--json"]
        subprocess.run(cli, env=env, capture_output=True, check=True)  # byte-code cache warm
        start = time.perf_counter()
        subprocess.run(cli, env=env, capture_output=True, check=True)
        cli_s = time.perf_counter() - start
    cpu, base = statistics.median(cpus), statistics.median(bases)
    figures = {"messages": len(opened.loaded.messages), "revisions_found": revisions,
               "in_process_s": statistics.median(times), "runs_s": times, "cpu_s": cpu,
               "baseline_cpu_s": base, "ratio": cpu / base, "cli_s": cli_s, "goal_s": 0.3}
    print(f"{'figure':28}  {'value':>9}  goal")
    print(f"{'P3 load+group (in process)':28}  {figures['in_process_s']:>7.3f} s  ≤ 0.3 s")
    print(f"{'  CPU time':28}  {cpu:>7.3f} s")
    print(f"{'  baseline: stdlib parse':28}  {base:>7.3f} s")
    print(f"{'  ratio to the baseline':28}  {cpu / base:>7.2f}")
    print(f"{'P3 reviewer revisions (CLI)':28}  {cli_s:>7.3f} s")
    print(f"{'messages / revisions found':28}  {figures['messages']:>5} / {revisions}")
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
