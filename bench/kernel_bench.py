"""Apply and check at full scale: the authored kernel series on Linux 6.1.

    python bench/kernel_bench.py [--workdir DIR] [--tarball T] [--repeat 3]
                                 [--skip-naive] [--json out.json]

Every figure is wall time of the real CLI in a subprocess (interpreter
start included, byte-code cache warm), ratios from the same run:
  import        `reviewer tree import` of the tarball (information)
  P1 full/min   `reviewer check --tree` (apply + every rule, no result cache,
                refs deleted) on the full tree vs a tree holding only what the
                series touches + scripts/ + MAINTAINERS            goal ≤ 1.3
  P1 naive      `git worktree add` + `git am` per revision (apply only, as the
                issue times it); ours is apply + check        goal ≤ 0.1
  P2            `reviewer apply` vs `b4 am` + `git am` (checkout of the base
                in a prepared worktree included) per revision   goal ≤ 1.0
  P4            `reviewer check --tree` again with its cache vs cold  ≤ 0.1
  RSS           peak RSS of the check process on the full tree    < 500 MB
Prints a table, then the JSON.  Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from trees import TARBALL, git, kernel_sample, minimal_tree, touched_paths  # noqa: E402

# A user's shell: byte-code caching on (this sandbox sets it off), no REVIEWER_*.
ENV = {k: v for k, v in os.environ.items()
       if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("REVIEWER_")}
ENV.update({"PYTHONPATH": str(ROOT), "GIT_AUTHOR_NAME": "bench", "GIT_COMMITTER_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@localhost", "GIT_COMMITTER_EMAIL": "bench@localhost"})
CLI = [sys.executable, "-m", "reviewer.cli"]


def run(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env={**ENV, **(env or {})}, cwd=cwd, capture_output=True,
                          check=False)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # check exits 1 on findings
        raise RuntimeError(f"{' '.join(argv[:5])}: {proc.stderr.decode()[-500:]}")
    return took


def fresh(tree: Path, cache: Path) -> None:
    """Cold: no reviewer refs in the tree, no result cache."""
    refs = git(tree, "for-each-ref", "--format=delete %(refname)", "refs/reviewer/")
    git(tree, "update-ref", "--stdin", stdin=refs.encode())
    cache.unlink(missing_ok=True)
    for extra in (cache.with_name(cache.name + "-wal"), cache.with_name(cache.name + "-shm")):
        extra.unlink(missing_ok=True)


def check_cmd(mbox: Path, tree: Path, *more: str) -> list[str]:
    return [*CLI, "check", str(mbox), "--tree", str(tree), "--format", "json", *more]


def median_of(repeat: int, fns: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Median of `repeat` runs of each, interleaved so that load from other
    processes hits every side alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(fn())
    return {name: statistics.median(ts) for name, ts in times.items()}


def p1(mbox: Path, full: Path, mini: Path, cache: Path, repeat: int) -> dict[str, float]:
    def cold(tree: Path) -> Callable[[], float]:
        def go() -> float:
            fresh(tree, cache)
            return run(check_cmd(mbox, tree, "--no-cache"), {"REVIEWER_CACHE": str(cache)})
        return go

    return median_of(repeat, {"full": cold(full), "minimal": cold(mini)})


def revision_mboxes(mbox: Path, out: Path) -> list[tuple[int, Path, str]]:
    """(version, mbox of its patch mails, first Message-ID) per revision."""
    import reviewer

    found = []
    for rev in reviewer.open_source(mbox).series[0].revisions:
        path = out / f"v{rev.version}.mbox"
        path.write_bytes(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + p.message.raw
                                  + b"\n" for p in rev.patches))
        found.append((rev.version, path, rev.first_message.msgid))
    return found


def naive(tree: Path, revs: list[tuple[int, Path, str]], work: Path) -> float:
    """`git worktree add` + `git am` per revision (the worktree removal, which
    the naive way would also need some time, is not counted)."""
    total = 0.0
    for version, path, _msgid in revs:
        wt = work / f"naive-v{version}"
        total += run(["git", "-C", str(tree), "worktree", "add", "-q", "--detach", str(wt),
                      "base"])
        total += run(["git", "-C", str(wt), "am", "-q", "--3way", str(path)])
        subprocess.run(["git", "-C", str(tree), "worktree", "remove", "--force", str(wt)],
                       check=True, capture_output=True)
    return total


def b4_git_am(mbox: Path, wt: Path, revs: list[tuple[int, Path, str]], out: Path) -> float:
    start = time.perf_counter()
    for version, _path, _msgid in revs:
        run(["b4", "-q", "--offline-mode", "am", "-m", str(mbox), "-o", str(out), "-n",
             f"v{version}", "-v", str(version)], cwd=wt)
        run(["git", "-C", str(wt), "checkout", "-q", "--detach", "base"])
        run(["git", "-C", str(wt), "am", "-q", "--3way", str(out / f"v{version}.mbx")])
    return time.perf_counter() - start


def p2(mbox: Path, tree: Path, work: Path, repeat: int) -> dict[str, float]:
    revs = revision_mboxes(mbox, work)
    wt = work / "b4-worktree"
    if not wt.exists():
        git(tree, "worktree", "add", "-q", "--detach", str(wt), "base")

    def ours() -> float:
        fresh(tree, work / "unused.sqlite3")
        return run([*CLI, "apply", str(mbox), "--tree", str(tree)])

    out = work / "b4-out"
    try:
        return median_of(repeat, {"ours": ours, "b4_git_am": lambda: b4_git_am(mbox, wt, revs,
                                                                              out)})
    finally:
        subprocess.run(["git", "-C", str(tree), "worktree", "remove", "--force", str(wt)],
                       capture_output=True, check=False)


def p4(mbox: Path, tree: Path, cache: Path, repeat: int) -> dict[str, float]:
    env = {"REVIEWER_CACHE": str(cache)}
    colds, warms = [], []
    for _ in range(repeat):
        fresh(tree, cache)
        colds.append(run(check_cmd(mbox, tree), env))
        warms.append(run(check_cmd(mbox, tree), env))
    return {"cold": statistics.median(colds), "warm": statistics.median(warms)}


def peak_rss_mb(mbox: Path, tree: Path, cache: Path) -> dict[str, float]:
    """Peak RSS of a cold full check in a fresh process: of the reviewer
    process itself, and of the largest program it ran (git, perl)."""
    fresh(tree, cache)
    code = ("import contextlib, io, json, resource, sys; from reviewer.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(sys.argv[1:])\n"
            "r = resource.getrusage; print(json.dumps([r(resource.RUSAGE_SELF).ru_maxrss, "
            "r(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    out = subprocess.run([sys.executable, "-c", code, *check_cmd(mbox, tree, "--no-cache")[3:]],
                         env={**ENV, "REVIEWER_CACHE": str(cache)}, capture_output=True,
                         text=True, check=True)
    own, child = json.loads(out.stdout.strip().splitlines()[-1])
    return {"reviewer": own / 1024, "largest_child": child / 1024}


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options the 6.1 benchmarks share: where to work, the tarball, how
    many runs, where to write the JSON."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reviewer-bench")
    ap.add_argument("--tarball", type=Path, default=TARBALL)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    return ap


def main() -> int:
    ap = bench_parser(__doc__)
    ap.add_argument("--skip-naive", action="store_true", help="skip the ~1 minute naive run")
    args = ap.parse_args()
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {"machine": {"cpus": os.cpu_count(),
                                              "load": os.getloadavg()[0]}}
    scratch = Path(tempfile.mkdtemp(dir=work))
    try:
        start = time.perf_counter()
        subprocess.run([*CLI, "tree", "import", str(args.tarball), str(scratch / "import")],
                       env=ENV, check=True, capture_output=True)
        figures["import_s"] = time.perf_counter() - start
        shutil.rmtree(scratch / "import")
        tree, mbox = kernel_sample(work, args.tarball)
        mini = minimal_tree(tree, work / "minimal.git", touched_paths(mbox))
        cache = work / "cache.sqlite3"
        run([*CLI, "rules"])  # byte-code cache warm, as for any second command
        figures["P1"] = one = p1(mbox, tree, mini, cache, args.repeat)
        one["ratio"] = one["full"] / one["minimal"]
        if not args.skip_naive:
            one["naive_apply"] = naive(tree, revision_mboxes(mbox, scratch), scratch)
            one["ratio_vs_naive"] = one["full"] / one["naive_apply"]
        figures["P2"] = two = p2(mbox, tree, scratch, args.repeat)
        two["ratio"] = two["ours"] / two["b4_git_am"]
        figures["P4"] = four = p4(mbox, tree, cache, args.repeat)
        four["ratio"] = four["warm"] / four["cold"]
        figures["peak_rss_mb"] = peak_rss_mb(mbox, tree, cache)
        figures["files_in_trees"] = {
            "full": len(git(tree, "ls-tree", "-r", "--name-only", "base").splitlines()),
            "minimal": len(git(mini, "ls-tree", "-r", "--name-only", "base").splitlines())}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def report(f: dict) -> None:  # type: ignore[type-arg]
    one, two, four = f["P1"], f["P2"], f["P4"]
    rows = [
        ("import 6.1 tarball", f"{f['import_s']:.1f} s", "", ""),
        ("P1 check, full tree", f"{one['full']:.2f} s", "", ""),
        ("P1 check, minimal tree", f"{one['minimal']:.2f} s",
         f"full/min {one['ratio']:.2f}", "≤ 1.3"),
    ]
    if "naive_apply" in one:
        rows.append(("P1 naive worktree+am", f"{one['naive_apply']:.1f} s",
                     f"ours/naive {one['ratio_vs_naive']:.3f}", "≤ 0.1"))
    rows += [
        ("P2 reviewer apply", f"{two['ours']:.2f} s", "", ""),
        ("P2 b4 am + git am", f"{two['b4_git_am']:.2f} s", f"ratio {two['ratio']:.2f}", "≤ 1.0"),
        ("P4 check cold", f"{four['cold']:.2f} s", "", ""),
        ("P4 check warm", f"{four['warm']:.2f} s", f"warm/cold {four['ratio']:.3f}", "≤ 0.1"),
        ("peak RSS, full check", f"{f['peak_rss_mb']['reviewer']:.0f} MB",
         f"largest child {f['peak_rss_mb']['largest_child']:.0f} MB", "< 500 MB"),
    ]
    print_rows(rows)
    print(json.dumps(f, indent=2))


def print_rows(rows: list[tuple[str, str, str, str]]) -> None:
    """(figure, value, ratio, goal) rows as an aligned table."""
    width = max(len(r[0]) for r in rows)
    ratio_width = max(22, *(len(r[2]) for r in rows))
    print(f"{'figure':{width}}  {'value':>10}  {'ratio':<{ratio_width}} goal")
    for name, value, ratio, goal in rows:
        print(f"{name:{width}}  {value:>10}  {ratio:<{ratio_width}} {goal}")


if __name__ == "__main__":
    sys.exit(main())
