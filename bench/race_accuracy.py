"""Race checks on real kernel fixes: recall per rule family and precision,
at diff level and, where the patch applies to a kernel tree, at tree level.

    python bench/race_accuracy.py [--corpus DIR] [--tree DIR] [--jobs N] [--json]

The corpus (default ../shared/corpus/race-dev) has, per real fix, the fix
mail (fix-NN.eml), the same patch reversed so that it introduces the bug
(bug-NN.patch), and correct lock usage (ok-NN.eml); MANIFEST.tsv names the
rule family (R1..R8) each bug patch must raise.  Every file goes through the
real command, `reviewer check --select RACE --format json FILE`, once
without a tree (diff level) and, with --tree, once on the tree; the tree
level scores only the cases whose patch applies there.  The runs share a
cache made fresh for this bench (REVIEWER_CACHE), so findings are computed
anew and the tree's kernel facts once (the first tree case runs alone).

The tree is a git repository of a kernel release, made once with
    reviewer tree import /usr/src/linux-source-6.1.tar.xz ~/linux-6.1
(bare, one commit; the runs only add refs under refs/reviewer/).

Scoring (a finding is an error or a warning; info findings only explain):
- a bug patch is found when a finding of its expected family is reported;
  recall = found bug patches / bug patches, per family and overall;
- a fix mail is correct code (reversing it gives the bug), so any finding
  on it is a false alarm, as is any finding on an ok mail;
- a bug patch whose findings are all of other families is a false alarm too;
- precision = found bug patches / (found bug patches + false-alarm cases);
  finding precision counts findings instead (a finding is right only when it
  is of the expected family on a bug patch).

RULE_FAMILY is the one map from rule IDs to the corpus families."""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "race-dev"
FAMILIES = tuple(f"R{i}" for i in range(1, 9))

# Rule ID -> the corpus family it reports (see the corpus README).
RULE_FAMILY = {
    "RACE001": "R1",  # negative dentry unhashed on an unlocked negativity test
    "RACE002": "R2",  # d_lock-protected dentry state touched without d_lock
    "RACE003": "R3",  # negative dentry discarded without the d_count == 1 check
    "RACE004": "R4",  # decision on an unlocked d_count / d_flags read
    "RACE005": "R5",  # locked lookup without the parent's inode lock
    "RACE006": "R6",  # unbalanced lock
    "RACE007": "R7",  # sleep in atomic context
    "RACE008": "R8",  # use after the put that dropped the reference
    "RACE009": "R2",  # parent's inode used where nothing pins the parent
    "RACE010": "R4",  # inode reloaded after its test, in RCU-walk mode
    "RACE011": "R2",  # reference taken after the lock that kept the object was dropped
    "RACE012": "R4",  # acting on negativity tested after the parent's lock was dropped
    "RACE013": "R2",  # the parent's d_lock taken under the child's
    "RACE014": "R4",  # a field read without the lock the replaced code read it under
    "RACE015": "R8",  # a field left pointing at what was put
    "RACE016": "R8",  # linked into a list without the reference the old code took
    "RACE017": "R4",  # a decision rewritten without the state recheck it made
    "RACE018": "R2",  # dget(d->d_parent) with nothing keeping d from a rename
    "RACE019": "R4",  # a rewritten decision no longer leaves in a state the old one left in
    "RACE020": "R6",  # an exit turned away from the unlock label its neighbour still uses
    "RACE021": "R4",  # the recheck under the lock of a double-checked decision removed
}


@dataclass(frozen=True)
class Case:
    file: str
    kind: str  # "bug", "fix" or "ok"
    expected: frozenset[str]
    location: str
    lock_context: str


@dataclass(frozen=True)
class Reported:
    rule: str
    severity: str
    line: int | None
    message: str

    @property
    def family(self) -> str:
        return RULE_FAMILY.get(self.rule, "?")


@dataclass
class Outcome:
    case: Case
    level: str  # "diff" or "tree"
    applied: bool  # tree level: the patch applied (diff level: always True)
    findings: list[Reported] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # info findings, skip reasons
    error: str = ""

    @property
    def alarms(self) -> list[Reported]:
        return [f for f in self.findings if f.severity in ("error", "warning")]

    @property
    def found(self) -> bool:
        return self.case.kind == "bug" and any(f.family in self.case.expected
                                               for f in self.alarms)

    @property
    def false_alarm(self) -> bool:
        return bool(self.alarms) and not self.found


def load_manifest(corpus: Path) -> list[Case]:
    with (corpus / "MANIFEST.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = []
    for row in rows:
        name = row["file"]
        expected = frozenset(r for r in row["expected_rules"].split(",") if r.strip("- "))
        out.append(Case(name, name.split("-")[0], expected, row["location"],
                        row["lock_context"]))
    return out


def run_check(corpus: Path, case: Case, tree: Path | None, cache: Path | None = None) -> Outcome:
    """`cache`: the cache file the run uses (None: none at all)."""
    tree_args = ["--tree", str(tree)] if tree is not None else []
    cache_args = [] if cache is not None else ["--no-cache"]
    cmd = [sys.executable, "-c", "import sys; from reviewer.cli import main; "
           "sys.exit(main(sys.argv[1:]))", "check", "--select", "RACE", "--format", "json",
           *cache_args, *tree_args, str(corpus / case.file)]
    env = {**os.environ, "REVIEWER_CACHE": str(cache)} if cache is not None else None
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    level = "tree" if tree is not None else "diff"
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return Outcome(case, level, False, error=(proc.stderr.strip() or "no output")[-300:])
    out = Outcome(case, level, tree is None)
    for series in data["series"]:
        for rev in series["revisions"]:
            if tree is not None:
                out.applied = bool(rev["apply"] and rev["apply"]["applied"])
            for rule_id, status in rev["rules"].items():
                if status["status"] != "ran":
                    out.notes.append(f"{rule_id} {status['status']}: {status['reason']}")
            for f in rev["findings"]:
                rep = Reported(f["rule"], f["severity"], f["line"], f["message"])
                out.findings.append(rep)
                if rep.severity == "info":
                    out.notes.append(f"{rep.rule}: {rep.message}")
    return out


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "    n/a"


def score(outcomes: Iterable[Outcome]) -> dict[str, object]:
    scored = [o for o in outcomes if o.applied and not o.error]
    bugs = [o for o in scored if o.case.kind == "bug"]
    per_family = {}
    for fam in FAMILIES:
        mine = [o for o in bugs if fam in o.case.expected]
        per_family[fam] = (sum(o.found for o in mine), len(mine))
    found = sum(o.found for o in bugs)
    alarms = sum(o.false_alarm for o in scored)
    findings = [f for o in scored for f in o.alarms]
    right = sum(1 for o in scored for f in o.alarms
                if o.case.kind == "bug" and f.family in o.case.expected)
    return {"cases": len(scored), "bugs": len(bugs), "found": found,
            "false_alarm_cases": alarms, "findings": len(findings), "right_findings": right,
            "recall": found / len(bugs) if bugs else None,
            "precision": found / (found + alarms) if found + alarms else None,
            "finding_precision": right / len(findings) if findings else None,
            "per_family": per_family,
            "errors": [(o.case.file, o.error) for o in outcomes if o.error]}


def report(level: str, outcomes: list[Outcome]) -> dict[str, object]:
    s = score(outcomes)
    print(f"\n== {level} level: {s['cases']} cases scored, {s['bugs']} bug patches")
    per_family: dict[str, tuple[int, int]] = s["per_family"]  # type: ignore[assignment]
    for fam, (n, d) in per_family.items():
        print(f"  recall {fam}: {_pct(n, d)}")
    print(f"  recall all: {_pct(int(s['found']), int(s['bugs']))}")  # type: ignore[call-overload]
    found, alarms = int(s["found"]), int(s["false_alarm_cases"])  # type: ignore[call-overload]
    print(f"  precision (cases): {_pct(found, found + alarms)}")
    print(f"  precision (findings): "
          f"{_pct(int(s['right_findings']), int(s['findings']))}")  # type: ignore[call-overload]
    for o in outcomes:
        if not o.applied or o.error:
            continue
        c = o.case
        if c.kind == "bug" and not o.found:
            got = ", ".join(sorted({f"{f.rule}({f.family})" for f in o.alarms})) or "nothing"
            print(f"  MISS  {c.file} {'/'.join(sorted(c.expected))} [{c.lock_context}] "
                  f"{c.location}: reported {got}")
            for note in o.notes:
                print(f"          note: {note}")
        if o.false_alarm:
            for f in o.alarms:
                if c.kind == "bug" and f.family in c.expected:
                    continue
                print(f"  FALSE {c.file} {f.rule}({f.family}) line {f.line}: {f.message}")
    for name, err in s["errors"]:  # type: ignore[attr-defined]
        print(f"  ERROR {name}: {err}")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--tree", type=Path, help="a kernel git tree for the tree level")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="only these files")
    ap.add_argument("--json", action="store_true", help="also print the scores as JSON")
    args = ap.parse_args()
    if not (args.corpus / "MANIFEST.tsv").exists():
        sys.exit(f"race_accuracy: {args.corpus}/MANIFEST.tsv is absent")
    cases = [c for c in load_manifest(args.corpus) if not args.only or c.file in args.only]
    levels: list[Path | None] = [None] + ([args.tree] if args.tree else [])
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="race-accuracy-") as tmp, \
            ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        cache = Path(tmp) / "cache.sqlite3"
        for tree in levels:
            first = [run_check(args.corpus, cases[0], tree, cache)] if cases else []
            outcomes = first + list(pool.map(
                lambda c, t=tree: run_check(args.corpus, c, t, cache), cases[1:]))
            level = "tree" if tree is not None else "diff"
            results[level] = report(level, outcomes)
    if args.json:
        print(json.dumps(results, default=list))


if __name__ == "__main__":
    main()
