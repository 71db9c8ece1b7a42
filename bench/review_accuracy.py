"""Review accuracy on real threads: grouping and policy findings against the
hand-written labels of ../shared/corpus/threads-dev (see its README).

    python bench/review_accuracy.py [--corpus DIR] [--tree /work/kernel/linux-6.1]
                                    [--judged bench/review_judgements.toml] [--json out.json]

For each series it runs, as a user would (`python -m reviewer.cli`):
`revisions --json`; `check --format json` without a tree; and `check
--tree TREE` on a kernel tree without history (`reviewer tree import`), on
which most revisions do not apply: that is listed per revision, apart from
the findings.  Scored:

- grouping: every `[[revision]]` found with its label, version and mails
  (a partial respin's own mails only), all in one series; every
  `[[non_revision]]` in none; no revision the labels do not have;
- facts: each `flag` fact must be reported by some finding (else a miss),
  each `no-flag` fact must be contradicted by no warning or error (else a
  false positive; an info there says "unknown", and is judged with the
  rest).  Which findings speak to which fact is this bench's
  reading of the label (`FACTS` below), never the product's;
- errors: error-level findings on these correct series (goal: 0), and the
  check's exit code; an error judged right by reading (`--judged`: a real
  bug no labelled fact covers) is listed but not counted;
- the reference thread's expected findings (../shared/brief, §4).

The findings no fact speaks to are listed for a reader to judge;
`--judged` reads those judgements (fingerprint → right/wrong) and prints
the precision.  When bench/compare_accuracy.py is present its table (review
requests, verdicts, bot reports, trailers) follows.  Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
TREE = Path("/work/kernel/linux-6.1")
_SERIOUS = ("warning", "error")


@dataclass(frozen=True)
class Fact:
    """Which findings report a labelled fact: rules (any when empty), the
    revisions concerned (all when empty), a pattern on the message; `each`:
    a flag fact must be reported on every one of those revisions."""

    series: str
    statement: str  # the start of the label's statement
    rules: tuple[str, ...] = ()
    revisions: tuple[str, ...] = ()
    pattern: str = ""
    each: bool = False


_SIGNOFF = ("POL002", "POL003", "POL005")
_TRAILERS = ("POL004", "POL020")  # trailer shape; trailers carried (compare-trailers)
_CITED = r"Fixes|COMMIT_ID|cited|not a commit"
FACTS = (
    Fact("blk-zoned-cap-sys-admin", "'Fixes: 3ed05a987e0f", ("POL015", "POL016", "POL005"),
         pattern=_CITED),
    Fact("blk-zoned-cap-sys-admin", "Header From: 'Niklas.Cassel", _SIGNOFF,
         pattern=r"ignoff|SIGN_OFF"),
    Fact("blk-zoned-cap-sys-admin", "Damien's Reviewed-by, carried", _TRAILERS, ("v3",),
         r"Damien"),
    Fact("blk-zoned-cap-sys-admin", "v4 2/2 carries 'Reviewed-by: Damien", (), ("v4",),
         r"dc\.com"),
    Fact("blk-zoned-cap-sys-admin", "From v2 on both patches have 'Cc: stable", (), (),
         r"[Ss]table"),
    Fact("btrfs-send-verity", "In v2-v4 the 'Changes in vN' block", ("POL009",),
         ("v2", "v3", "v4"), "commit message", each=True),
    Fact("btrfs-send-verity", "Eric Biggers reviews from", _TRAILERS + _SIGNOFF, (),
         r"Biggers|ebiggers"),
    Fact("btrfs-send-verity", "A new feature: no Fixes:", (), (), r"Fixes|[Ss]table"),
    Fact("ext4-punch-hole-range", "'Fixes: a4bb6b64e39a", ("POL015", "POL016", "POL005"),
         pattern=_CITED),
    Fact("ext4-punch-hole-range", "In v2 and v3 the version changelog", ("POL009",),
         ("v2", "v3"), "commit message", each=True),
    Fact("ext4-setxattr-truncate", "The v3 sender 'anserper@ya.ru'", _SIGNOFF, ("v3",),
         r"ignoff|SIGN_OFF|Signed-off"),
    Fact("ext4-setxattr-truncate", "v4 has no in-body From:", ("POL002",), ("v4",),
         r"first Signed-off-by|author"),
    Fact("ext4-setxattr-truncate", "v2 was sent by Artem", ("POL003",), ("v2",), "submitter"),
    Fact("ext4-setxattr-truncate", "In v4 Artem signs off", _SIGNOFF, ("v4",),
         r"submitter .*rtem|author Artem[^,]* has no|FROM_SIGN_OFF"),
    Fact("ext4-setxattr-truncate", "The changelogs of v2, v3 and v4", ("POL009",),
         ("v2", "v3", "v4"), "commit message", each=True),
    Fact("ext4-setxattr-truncate", "No revision has a Fixes: tag although", (), (), "Fixes"),
    Fact("ovl-offline-changes", "Sender 'Vyacheslav Yurkov", _SIGNOFF, ("v2", "v3"),
         r"ignoff|SIGN_OFF|Signed-off"),
    Fact("ovl-offline-changes", "The patches have only the author's", ("POL003",),
         ("v2", "v3"), "submitter"),
    Fact("ovl-offline-changes", "Neither v2 nor v3 says what changed", ("POL009",),
         ("v2", "v3"), "", each=True),
    Fact("xfs-buf-log-item", "None of the four cover letters", ("POL009",), ("v2", "v3", "v4"),
         "", each=True),
    Fact("xfs-buf-log-item", "Each patch body starts with 'From: Darrick", _SIGNOFF,
         pattern=r"ignoff|SIGN_OFF|Signed-off"),
    Fact("xfs-buf-log-item", "Christoph Hellwig sends from", _TRAILERS + _SIGNOFF, (),
         r"Hellwig|hch@"),
)
# What the brief (overlayfs-thread.md §4) expects on the reference thread.
REFERENCE = (("v1", "RACE001"), ("v1", "RACE003"), ("v2", "POL014"), ("v3", "POL012"))


@dataclass
class Result:
    series: str
    grouping: list[tuple[str, bool, str]] = field(default_factory=list)  # (what, ok, why)
    facts: list[tuple[str, str, bool, str]] = field(default_factory=list)  # (expect, fact, ok, by)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (key, line)
    exit_codes: dict[str, int] = field(default_factory=dict)
    applies: list[str] = field(default_factory=list)
    rest: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (run, finding)
    right: set[str] = field(default_factory=set)  # findings a flag fact asked for
    wrong: set[str] = field(default_factory=set)  # findings contradicting a no-flag fact


def cli(*args: str) -> tuple[int, Any]:
    """`python -m reviewer.cli ARGS`: (exit code, parsed JSON or None)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "reviewer.cli", *args], env=env,
                          capture_output=True, text=True, check=False)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        return proc.returncode, {"stderr": proc.stderr.strip()}


def _own(rev: dict[str, Any], earlier: set[str]) -> set[str]:
    mails = {p["msgid"] for p in rev["patches"]} | ({rev["cover"]} if rev["cover"] else set())
    return mails - earlier


def score_grouping(labels: dict[str, Any], data: dict[str, Any]) -> list[tuple[str, bool, str]]:
    ours: list[tuple[int, dict[str, Any], set[str]]] = []
    for si, series in enumerate(data.get("series", [])):
        earlier: set[str] = set()
        for rev in series["revisions"]:
            ours.append((si, rev, _own(rev, earlier)))
            earlier |= {p["msgid"] for p in rev["patches"]}
    rows, used, homes = [], set(), []
    for lab in labels.get("revision", []):
        want = set(lab["patches"]) | ({lab["cover"]} if lab["cover"] else set())
        best = max(ours, key=lambda o: len(want & o[2]), default=None)
        if best is None or not want & best[2]:
            rows.append((lab["id"], False, "not found"))
            continue
        si, rev, own = best
        used.add(id(rev))
        homes.append(si)
        why = [f"mails differ: +{sorted(own - want)} -{sorted(want - own)}"] if own != want else []
        if rev["label"] != lab["id"] or rev["version"] != lab["version"]:
            why.append(f"labelled {lab['id']} (v{lab['version']}), ours {rev['label']} "
                       f"(v{rev['version']})")
        rows.append((lab["id"], not why, "; ".join(why)))
    if len(set(homes)) > 1:
        rows.append(("one series", False, f"split over series {sorted(set(homes))}"))
    for si, rev, _own_mails in ours:
        if id(rev) not in used and si in homes:
            rows.append((f"extra {rev['label']}", False, "a revision the labels do not have"))
    for non in labels.get("non_revision", []):
        placed = [rev["label"] for _si, rev, own in ours if non["message_id"] in own]
        rows.append((f"non-revision {non['message_id'][:24]}", not placed,
                     f"made part of {placed}" if placed else ""))
    return rows


def _findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for s in data.get("series", []) for r in s["revisions"] for f in r["findings"]]


def _speaks(fact: Fact, f: dict[str, Any]) -> bool:
    return ((not fact.rules or f["rule"] in fact.rules)
            and (not fact.revisions or f["revision"] in fact.revisions)
            and bool(re.search(fact.pattern, f["message"])))


def score_facts(name: str, labels: dict[str, Any], runs: dict[str, Any], result: Result) -> None:
    found = [(run, f) for run, data in runs.items() for f in _findings(data)]
    spoken: set[int] = set()
    for lab in labels.get("fact", []):
        if lab["expect"] not in ("flag", "no-flag"):
            continue
        fact = next((x for x in FACTS if x.series == name
                     and lab["statement"].startswith(x.statement)), None)
        if fact is None:
            result.facts.append((lab["expect"], lab["statement"][:70], False, "no matcher"))
            continue
        mine = [(run, f) for run, f in found if _speaks(fact, f)
                and (lab["expect"] == "flag" or f["severity"] in _SERIOUS)]
        spoken |= {id(f) for _run, f in mine}
        (result.right if lab["expect"] == "flag" else result.wrong).update(
            _key(name, f) for _r, f in mine)
        if lab["expect"] == "flag":
            hit = {f["revision"] for _r, f in mine}
            want = set(fact.revisions) if fact.each else {"any"}
            ok = want <= hit if fact.each else bool(hit)
            by = "; ".join(sorted({f"{f['revision']} {f['rule']}" for _r, f in mine})) or "missed"
        else:
            bad = [(r, f) for r, f in mine if f["severity"] in _SERIOUS]
            ok = not bad
            by = "; ".join(f"{r}: {f['revision']} {f['rule']} {f['message'][:80]}"
                           for r, f in bad) or "not reported"
        result.facts.append((lab["expect"], lab["statement"][:70], ok, by))
    flagged = {id(f) for run, f in found if id(f) in spoken}
    for run, f in found:
        if f["severity"] == "error" and id(f) not in flagged:
            result.errors.append((_key(name, f),
                                  f"{run}: {f['revision']} {f['rule']} {f['message'][:100]}"))
        if id(f) not in spoken:
            result.rest.append((run, f))


def score_series(mbox: Path, labels: dict[str, Any], tree: Path | None) -> Result:
    name = labels["series"]["name"]
    result = Result(name)
    _code, data = cli("revisions", str(mbox), "--json")
    result.grouping = score_grouping(labels, data)
    runs: dict[str, Any] = {}
    result.exit_codes["no tree"], runs["no tree"] = cli("check", str(mbox), "--format", "json",
                                                        "--no-cache")
    if tree is not None:
        code, data = cli("check", str(mbox), "--tree", str(tree), "--format", "json",
                         "--no-cache")
        result.exit_codes["tree"], runs["tree"] = code, data
        for rev in (r for s in data.get("series", []) for r in s["revisions"]):
            res = rev["apply"] or {}
            failed = next((p for p in res.get("patches", []) if p["status"] == "failed"), None)
            why = res.get("error") or (failed and failed["failure"]["reason"]) or ""
            result.applies.append(f"{rev['label']}: applied" if res.get("applied") else
                                  f"{rev['label']}: {rev.get('level_reason')} ({why})")
    score_facts(name, labels, runs, result)
    return result


def score_reference(mbox: Path) -> list[tuple[str, bool, str]]:
    code, data = cli("check", str(mbox), "--format", "json", "--no-cache")
    found = _findings(data)
    rows = [(f"{label} {rule}", any(f["revision"] == label and f["rule"] == rule for f in found),
             "") for label, rule in REFERENCE]
    extra = [f"{f['revision']} {f['rule']}" for f in found if f["severity"] == "error"
             and (f["revision"], f["rule"]) not in REFERENCE]
    rows.append(("no other error", not extra, ", ".join(extra)))
    rows.append(("one bisect finding for 1/9-8/9", [
        (f["patch"], f["patches"]) for f in found if f["rule"] == "POL012"] ==
        [(1, list(range(1, 9)))], ""))
    rows.append((f"exit code {code} (1: errors found)", code == 1, ""))
    return rows


def _ratio(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"


def report(results: list[Result], judged: dict[str, str]) -> None:
    """The table and every disagreement.  An error judged right by reading
    (a real bug in a revision the labels call correct for want of a fact
    about it, e.g. one a reviewer pointed out) is listed, not counted."""
    print(f"{'series':25} {'grouping':>12} {'flag facts':>11} {'no-flag ok':>11} "
          f"{'errors':>7} {'exit no-tree/tree':>18}")
    for r in results:
        flags = [ok for e, _s, ok, _b in r.facts if e == "flag"]
        nos = [ok for e, _s, ok, _b in r.facts if e == "no-flag"]
        print(f"{r.series:25} {_ratio(sum(ok for _w, ok, _y in r.grouping), len(r.grouping)):>12} "
              f"{_ratio(sum(flags), len(flags)):>11} {_ratio(sum(nos), len(nos)):>11} "
              f"{sum(judged.get(k) != 'right' for k, _l in r.errors):>7} "
              f"{'/'.join(str(c) for c in r.exit_codes.values()):>18}")
    print("\nDisagreements:")
    for r in results:
        for what, ok, why in r.grouping:
            if not ok:
                print(f"  {r.series} grouping {what}: {why}")
        for expect, statement, ok, by in r.facts:
            if not ok:
                kind = "miss" if expect == "flag" else "false positive"
                print(f"  {r.series} {kind}: {statement}… [{by}]")
        for key, line in r.errors:
            what = ("error judged right (a real bug)" if judged.get(key) == "right"
                    else "error on a correct series")
            print(f"  {r.series} {what}: {line}")
    print("\nOn the tree without history (apply per revision; a failure is no finding):")
    for r in results:
        print(f"  {r.series}: " + "; ".join(r.applies))
    _precision(results, judged)


def _key(series: str, f: dict[str, Any]) -> str:
    return f"{series} {f['revision']} {f['fingerprint']}"


def _precision(results: list[Result], judged: dict[str, str]) -> None:
    """Findings counted once per series, revision and fingerprint (the runs
    with and without a tree often report the same): those a flag fact asked
    for are right, those contradicting a no-flag fact wrong, the rest as
    judged (`--judged`)."""
    verdicts: dict[str, str] = {}
    for r in results:
        for key in r.right:
            verdicts[key] = "right (fact)"
        for key in r.wrong:
            verdicts[key] = "wrong (fact)"
    rest: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for r in results:
        for run, f in r.rest:
            rest.setdefault(_key(r.series, f), (r.series, run, f))
    for key in rest:
        verdicts.setdefault(key, judged.get(key, "unjudged"))
    print(f"\nFindings no fact speaks to ({len(rest)}):")
    for key, (series, run, f) in rest.items():
        print(f"  [{verdicts[key]}] {series} ({run}) {f['revision']} {f['rule']} "
              f"{f['severity']}: {f['message'][:150]}  #{f['fingerprint']}")
    right = sum(v.startswith("right") for v in verdicts.values())
    wrong = sum(v.startswith("wrong") for v in verdicts.values())
    unjudged = sum(v == "unjudged" for v in verdicts.values())
    print(f"\nPrecision over {len(verdicts)} distinct findings: {_ratio(right, right + wrong)} "
          f"right ({unjudged} unjudged)")


def load_judgements(path: Path | None) -> dict[str, str]:
    """"series revision fingerprint" → "right" or "wrong"."""
    if path is None or not path.exists():
        return {}
    data = tomllib.loads(path.read_text())
    return {f"{j['series']} {j['revision']} {j['fingerprint']}": j["verdict"]
            for j in data.get("judgement", [])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--tree", type=Path, default=TREE if TREE.exists() else None)
    ap.add_argument("--judged", type=Path, default=ROOT / "bench" / "review_judgements.toml")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    dev = args.corpus / "threads-dev"
    if not dev.is_dir():
        print(f"review_accuracy: {dev} is absent", file=sys.stderr)
        return 2
    results = []
    for labels_path in sorted(dev.glob("*.labels.toml")):
        labels = tomllib.loads(labels_path.read_text())
        mbox = dev / labels_path.name.replace(".labels.toml", ".mbox")
        results.append(score_series(mbox, labels, args.tree))
    report(results, load_judgements(args.judged))
    reference = args.corpus / "overlayfs-dcache" / "thread.mbox"
    if reference.exists():
        print("\nReference thread (brief §4):")
        for what, ok, why in score_reference(reference):
            print(f"  {'ok  ' if ok else 'FAIL'} {what} {why}")
    _compare_table(dev)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2, default=str))
    return 0


def _compare_table(dev: Path) -> None:
    """bench/compare_accuracy.py's table and disagreements, when present."""
    try:
        from bench import compare_accuracy
    except ImportError:
        print("\n(compare accuracy: bench/compare_accuracy.py is not here yet)")
        return
    rows = []
    for labels_path in sorted(dev.glob("*.labels.toml")):
        labels = tomllib.loads(labels_path.read_text())
        rows += compare_accuracy.score(dev / labels_path.name.replace(".labels.toml", ".mbox"),
                                       labels)
    print("\nCompare accuracy (bench/compare_accuracy.py):")
    print(compare_accuracy.table(rows))
    print(compare_accuracy.disagreements(rows, extras=False))


if __name__ == "__main__":
    sys.exit(main())
