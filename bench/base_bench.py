"""Base guessing per revision (reviewer/tree/base.py) on real trees.

    python bench/base_bench.py [--repeat 5] [--kernel /work/kernel/linux-6.1]
                               [--sample-workdir DIR] [--json out.json]

Threads and trees, each revision timed in this process (median of
--repeat runs, interleaved):
  6.1       the reference thread (../shared) on the Linux 6.1 tree (one
            commit, 78,635 files): no pre-image there, so every step runs
  bundle    the same thread on its true base (base-5.7.bundle cloned into a
            temporary directory): blobs at the ref tips
  sample    with --sample-workdir: the authored kernel series on 6.1
            (bench/trees.py builds it there once, ~2 minutes)
Columns:
  guess     choose_base() for the revision                 goal ≤ 0.2 s
  head      the old choice, `resolve HEAD` (one git process), same run
  ×head     guess / head: how many git process starts the guess costs
  apply     apply_revision() on the chosen base, same run (context)
Prints a table, then the JSON.  Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from trees import git, kernel_sample  # noqa: E402

import reviewer  # noqa: E402
from reviewer.tree.apply import apply_revision  # noqa: E402
from reviewer.tree.base import choose_base  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus" / "overlayfs-dcache"
GOAL_S = 0.2
BENCH_REF = "refs/reviewer/bench-base/"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(name: str, tree: Path, mbox: Path, repeat: int) -> list[dict[str, object]]:
    repo = reviewer.GitRepo(tree)
    rows = []
    try:
        for rev in reviewer.open_source(mbox).series[0].revisions:
            times: dict[str, list[float]] = {"guess": [], "head": [], "apply": []}
            base = choose_base(repo, rev)  # warm: GitPython's object readers start once
            ref = f"{BENCH_REF}{name}/{rev.label}"
            for _ in range(repeat):
                times["guess"].append(timed(lambda rev=rev: choose_base(repo, rev)))
                times["head"].append(timed(repo.head))
                times["apply"].append(timed(
                    lambda rev=rev, ref=ref, base=base: apply_revision(repo, rev, base, ref)))
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append({"tree": name, "revision": rev.label, "patches": len(rev.patches),
                         "pre_images": base.blobs, "base": base.label,
                         "source": base.source.value, **med,
                         "x_head": med["guess"] / med["head"]})
    finally:
        repo.delete_refs(BENCH_REF)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kernel", type=Path, default=Path("/work/kernel/linux-6.1"))
    parser.add_argument("--sample-workdir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    thread = SHARED / "thread.mbox"
    if not thread.exists() or not args.kernel.exists():
        print(f"needs {thread} and {args.kernel}", file=sys.stderr)
        return 2
    rows = measure("6.1", args.kernel, thread, args.repeat)
    with tempfile.TemporaryDirectory(prefix="base-bench-") as tmp:
        git(Path(tmp), "clone", "-q", str(SHARED / "base-5.7.bundle"), "tree")
        rows += measure("bundle", Path(tmp) / "tree", thread, args.repeat)
    if args.sample_workdir:
        tree, mbox = kernel_sample(args.sample_workdir)
        rows += measure("sample", tree, mbox, args.repeat)
    print(f"{'tree':7} {'rev':4} {'patches':>7} {'blobs':>5} {'base':16} {'source':12} "
          f"{'guess s':>8} {'head s':>7} {'×head':>6} {'apply s':>8}")
    for r in rows:
        print(f"{r['tree']:7} {r['revision']:4} {r['patches']:>7} {r['pre_images']:>5} "
              f"{r['base']!s:16.16} {r['source']:12} {r['guess']:>8.4f} {r['head']:>7.4f} "
              f"{r['x_head']:>6.1f} {r['apply']:>8.4f}")
    worst = max(float(str(r["guess"])) for r in rows)
    print(f"worst guess {worst:.4f} s per revision (goal ≤ {GOAL_S} s): "
          f"{'met' if worst <= GOAL_S else 'MISSED'}")
    data = {"goal_s": GOAL_S, "worst_guess_s": worst, "rows": rows}
    print(json.dumps(data, indent=2))
    if args.json:
        args.json.write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
