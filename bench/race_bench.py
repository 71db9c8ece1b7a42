"""Race analysis speed: one revision touching 10 files (~300 lines each),
every line treated as changed, against the baseline of parsing them alone;
then, with --tree (the imported 6.1 tree by default, when present), the
kernel facts derived from a tree (treefacts.py):

    python bench/race_bench.py [--repeat N] [--tree PATH | --no-tree]

  parse only        read + bare tree-sitter parse of the core set's files, in
                    as many processes as the facts use (the baseline)
  cold facts        the core set and one directory's set computed into an
                    empty cache (goal: <= 60 s on 6.1), and its ratio to parse
  warm facts        the same sets found in the cache, and 200 lookups
  warm revision     facts + race analysis of a revision changing 40 lines in
                    each of three real files (the functions there), against
                    the analysis with the table alone (goal: < 0.5 s)

Prints a table and a JSON line.  Goal (issue 5): analysis under 1 s."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

from reviewer import cparse
from reviewer.checks.race import SourceFile, analyze, load_api, treefacts
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo
from reviewer.tree.gitscan import cat_blobs

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


KERNEL = Path("/work/kernel/linux-6.1")
REVISION = ("fs/ceph/dir.c", "fs/ceph/caps.c", "fs/ceph/inode.c")


def _parse_batch(job: tuple[str, list[str]]) -> int:
    repo_path, shas = job
    return sum(cparse.parse(data).root_node.child_count
               for _, data in cat_blobs(GitRepo(repo_path), shas))


def parse_only(repo: GitRepo, workers: int) -> tuple[float, int, int]:
    """Seconds to read and parse the core set's files; files, bytes."""
    files = treefacts.list_files(repo, "HEAD")
    shas = [sha for _, sha, _ in sorted(files, key=lambda f: -f[2])]
    jobs = [(str(repo.path), shas[i::workers * 8]) for i in range(workers * 8)]
    start = time.perf_counter()
    with multiprocessing.get_context("forkserver").Pool(workers) as pool:
        pool.map(_parse_batch, jobs)
    return time.perf_counter() - start, len(files), sum(size for _, _, size in files)


def _middle(text: str, n: int = 40) -> frozenset[int]:
    """A revision's changed lines: `n` in the middle of the file."""
    mid = text.count("\n") // 2
    return frozenset(range(mid, mid + n))


def tree_figures(tree: Path) -> dict[str, float]:
    repo = GitRepo(tree)
    workers = min(os.cpu_count() or 1, 4)
    parse_s, nfiles, nbytes = parse_only(repo, workers)
    out: dict[str, float] = {"files": nfiles, "mb": round(nbytes / 1e6, 1), "workers": workers,
                             "parse_s": round(parse_s, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cache.sqlite3"
        start = time.perf_counter()
        treefacts.tree_facts(repo, "HEAD", ResultCache(db), REVISION)
        out["cold_s"] = round(time.perf_counter() - start, 2)
        texts = [(repo.read_file("HEAD", p) or b"").decode("utf-8", "replace") for p in REVISION]
        names = sorted({c.name for t in texts for c in cparse.calls(t)})[:200]
        start = time.perf_counter()
        facts = treefacts.tree_facts(repo, "HEAD", ResultCache(db), REVISION)
        for name in names:
            facts.raw(name)
        out["warm_lookup_s"] = round(time.perf_counter() - start, 4)
        files = [SourceFile(p, t, _middle(t), "tree") for p, t in zip(REVISION, texts,
                                                                    strict=True)]
        start = time.perf_counter()
        analyze(files, load_api())
        out["table_rev_s"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        warm = treefacts.tree_facts(repo, "HEAD", ResultCache(db), REVISION)
        analyze(files, load_api().with_facts(warm))
        out["warm_rev_s"] = round(time.perf_counter() - start, 3)
    return out


def print_tree(fig: dict[str, float]) -> None:
    print(f"{'tree facts (core set + fs/ceph)':32} {fig['files']:>6.0f} files {fig['mb']} MB, "
          f"{fig['workers']:.0f} processes")
    print(f"{'parse only (baseline) s':32} {fig['parse_s']:>10.2f}")
    print(f"{'cold facts s':32} {fig['cold_s']:>10.2f}")
    print(f"{'cold facts / parse':32} {fig['cold_s'] / fig['parse_s']:>10.2f}")
    print(f"{'goal: cold facts <= 60 s':32} {'met' if fig['cold_s'] <= 60 else 'NOT met':>10}")
    print(f"{'warm facts + 200 lookups s':32} {fig['warm_lookup_s']:>10.4f}")
    print(f"{'revision, table only s':32} {fig['table_rev_s']:>10.3f}")
    print(f"{'revision, warm facts s':32} {fig['warm_rev_s']:>10.3f}")
    print(f"{'warm facts / table only':32} {fig['warm_rev_s'] / fig['table_rev_s']:>10.2f}")
    print(f"{'goal: warm revision < 0.5 s':32} "
          f"{'met' if fig['warm_rev_s'] < 0.5 else 'NOT met':>10}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--tree", type=Path, default=KERNEL if KERNEL.exists() else None)
    ap.add_argument("--no-tree", dest="tree", action="store_const", const=None)
    args = ap.parse_args()
    repeat = args.repeat
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
    result: dict[str, object] = {"files": len(files), "lines": lines,
                                 "parse_s": round(parse_s, 4), "analysis_s": round(analysis_s, 4),
                                 "ratio": round(analysis_s / parse_s, 2)}
    if args.tree is not None:
        fig = tree_figures(args.tree)
        print_tree(fig)
        result["tree_facts"] = fig
    print(json.dumps(result))


if __name__ == "__main__":
    main()
