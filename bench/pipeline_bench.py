"""The pipeline's speed goals (issue 16), as ratios measured in one run:

    python bench/pipeline_bench.py [--workdir DIR] [--tarball T] [--repeat 3]
                                   [--json out.json]

  P5 6.1        cold `reviewer check --tree` of the authored 6.1 series (its
                refs deleted, --no-cache) vs the base's scripts/checkpatch.pl
                run serially over the same patches, one perl per patch (as b4
                runs it, and as reviewer did before)               goal ≤ 1.0
                and the same with only the base tree's kernel facts in the
                cache (derived once per base tree, as an index of it; no
                result of this revision set cached)
  P5 reference  the same on the reference thread and its bundle base
                (--base overlayfs-next)                            goal ≤ 1.0
  start-up      `reviewer --help`, best of 15, beside `python -c pass`
                                                                   goal ≤ 0.15 s
  RSS           peak of the summed RSS of every process of a cold 6.1 check
                (reviewer, its workers, git, perl), sampled every 5 ms
                                                                   goal < 300 MB
                (and of the summed PSS, which counts the pages the forked
                workers share with their parent once, for information)
Every figure is the wall time of the real CLI in a subprocess (byte-code
cache warm); the checkpatch figure beside it also shows one perl for all
the patches, for information.  Figures, not a test.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from kernel_bench import (  # noqa: E402
    CLI,
    ENV,
    bench_parser,
    check_cmd,
    fresh,
    median_of,
    print_rows,
    run,
)
from trees import git, kernel_sample  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "overlayfs-dcache"
CHECKPATCH_FILES = ("scripts/checkpatch.pl", "scripts/spelling.txt",
                    "scripts/const_structs.checkpatch", ".checkpatch.conf")
ARGS = ("--no-tree", "--terse", "--show-types", "--no-summary")


def patch_files(mbox: Path, out: Path) -> list[Path]:
    """Each patch of every revision as the decoded mail checkpatch reads."""
    import reviewer
    from reviewer.checks.policy.checkpatch import mail_text

    files = []
    for series in reviewer.open_source(mbox).series:
        for rev in series.revisions:
            for patch in rev.patches:
                path = out / f"v{rev.version}-{patch.index:04d}.patch"
                path.write_text(mail_text(patch)[0], encoding="utf-8", errors="surrogateescape")
                files.append(path)
    return files


def checkpatch_top(tree: Path, base: str, out: Path) -> Path:
    """The base's checkpatch.pl and its data files, as reviewer lays them out."""
    for name in CHECKPATCH_FILES:
        proc = subprocess.run(["git", "-C", str(tree), "show", f"{base}:{name}"],
                              capture_output=True, check=False)
        if proc.returncode == 0:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(proc.stdout)
    return out


def serial_checkpatch(top: Path, patches: list[Path]) -> float:
    start = time.perf_counter()
    for patch in patches:
        subprocess.run(["perl", "scripts/checkpatch.pl", *ARGS, str(patch)], cwd=top,
                       capture_output=True, check=False)
    return time.perf_counter() - start


def one_perl_checkpatch(top: Path, patches: list[Path]) -> float:
    return run(["perl", "scripts/checkpatch.pl", *ARGS, *map(str, patches)], cwd=top)


def p5(name: str, mbox: Path, tree: Path, base: str | None, work: Path,
       repeat: int) -> dict[str, float]:
    scratch = Path(tempfile.mkdtemp(dir=work, prefix=f"{name}-"))
    patches = patch_files(mbox, scratch)
    top = checkpatch_top(tree, base or "base", scratch / "top")
    cache = work / "unused.sqlite3"
    extra = ("--base", base) if base else ()

    facts = work / f"{name}-facts.sqlite3"
    env = {"REVIEWER_CACHE": str(facts)}
    fresh(tree, facts)
    run(check_cmd(mbox, tree, *extra), env)  # the tree's facts into this cache

    def ours() -> float:
        fresh(tree, cache)
        return run(check_cmd(mbox, tree, "--no-cache", *extra), {"REVIEWER_CACHE": str(cache)})

    def facts_cached() -> float:
        refs = git(tree, "for-each-ref", "--format=delete %(refname)", "refs/reviewer/")
        git(tree, "update-ref", "--stdin", stdin=refs.encode())
        with sqlite3.connect(facts) as db:  # every result but the tree's facts
            db.execute("DELETE FROM findings")
            db.execute("DELETE FROM results")
        return run(check_cmd(mbox, tree, *extra), env)

    got = median_of(repeat, {"reviewer_check": ours, "reviewer_check_facts_cached": facts_cached,
                             "checkpatch_serial": lambda: serial_checkpatch(top, patches),
                             "checkpatch_one_perl": lambda: one_perl_checkpatch(top, patches)})
    got["patches"] = len(patches)
    got["ratio"] = got["reviewer_check"] / got["checkpatch_serial"]
    got["ratio_facts_cached"] = got["reviewer_check_facts_cached"] / got["checkpatch_serial"]
    return got


def startup() -> dict[str, float]:
    def best(argv: list[str], n: int = 15) -> float:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            subprocess.run(argv, env=ENV, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        return min(times)

    return {"reviewer_help": best([*CLI, "--help"]),
            "python_pass": best([sys.executable, "-c", "pass"])}


def _tree_rss_kb(root: int) -> tuple[int, int, int]:
    """(summed RSS, largest RSS, summed PSS) in KB of `root` and every
    process below it."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    mine = {root}
    grew = True
    while grew:
        below = {p for p, pp in parents.items() if pp in mine} - mine
        grew = bool(below)
        mine |= below
    sizes = [rss.get(p, 0) for p in mine]
    return sum(sizes), max(sizes, default=0), sum(map(_pss_kb, mine))


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss(mbox: Path, tree: Path, work: Path) -> dict[str, float]:
    cache = work / "rss.sqlite3"
    fresh(tree, cache)
    proc = subprocess.Popen(check_cmd(mbox, tree, "--no-cache"),
                            env={**ENV, "REVIEWER_CACHE": str(cache)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0, 0, 0]

    def sample() -> None:
        while proc.poll() is None:
            now = _tree_rss_kb(proc.pid)
            peak[:] = [max(a, b) for a, b in zip(peak, now, strict=True)]
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    proc.wait()
    sampler.join()
    return {"all_processes_mb": peak[0] / 1024, "largest_process_mb": peak[1] / 1024,
            "all_processes_pss_mb": peak[2] / 1024}


def reference_tree(work: Path) -> Path | None:
    bundle = CORPUS / "base-5.7.bundle"
    dest = work / "base-5.7.git"
    if not bundle.exists():
        return None
    if not dest.exists():
        subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(dest)], check=True)
    return dest


def main() -> int:
    args = bench_parser(__doc__).parse_args()
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {"machine": {"cpus": os.cpu_count(),
                                              "load": os.getloadavg()[0]}}
    run([*CLI, "rules"])  # byte-code cache warm, as for any second command
    figures["startup_s"] = startup()
    tree, mbox = kernel_sample(work, args.tarball)
    figures["P5_6.1"] = p5("k61", mbox, tree, None, work, args.repeat)
    ref = reference_tree(work)
    if ref is not None:
        figures["P5_reference"] = p5("ref", CORPUS / "thread.mbox", ref, "overlayfs-next",
                                     work, args.repeat)
    figures["peak_rss"] = peak_rss(mbox, tree, work)
    figures["files_in_6.1_tree"] = len(git(tree, "ls-tree", "-r", "--name-only",
                                           "base").splitlines())
    figures["machine"]["load_after"] = os.getloadavg()[0]  # type: ignore[index]
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def report(f: dict) -> None:  # type: ignore[type-arg]
    rows = []
    for key, label in (("P5_6.1", "P5 authored 6.1 series"), ("P5_reference", "P5 reference")):
        if key in f:
            p = f[key]
            rows += [(f"{label}: checkpatch x{p['patches']}", f"{p['checkpatch_serial']:.2f} s",
                      "(the baseline)", ""),
                     (f"{label}: reviewer check", f"{p['reviewer_check']:.2f} s",
                      f"ratio {p['ratio']:.2f}", "≤ 1.0"),
                     (f"{label}: tree facts cached", f"{p['reviewer_check_facts_cached']:.2f} s",
                      f"ratio {p['ratio_facts_cached']:.2f}", "≤ 1.0"),
                     (f"{label}: one perl, all", f"{p['checkpatch_one_perl']:.2f} s",
                      "(information)", "")]
    s = f["startup_s"]
    rows += [("start-up: reviewer --help", f"{s['reviewer_help']:.3f} s",
              f"python -c pass {s['python_pass']:.3f} s", "≤ 0.15 s"),
             ("peak RSS, all processes", f"{f['peak_rss']['all_processes_mb']:.0f} MB",
              f"largest {f['peak_rss']['largest_process_mb']:.0f} MB", "< 300 MB"),
             ("peak PSS, all processes", f"{f['peak_rss']['all_processes_pss_mb']:.0f} MB",
              "(information)", "")]
    print_rows(rows)
    print(json.dumps(f, indent=2))


if __name__ == "__main__":
    sys.exit(main())
