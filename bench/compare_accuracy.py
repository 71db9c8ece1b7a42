"""Compare accuracy on real threads: requests, verdicts, bot reports and
trailers against hand-written labels (../shared/corpus/threads-dev).

    python bench/compare_accuracy.py [--corpus DIR] [--json out.json] [-v]

For each labelled series, `compare` runs on every labelled revision and the
one it follows (`follows`), and on each revision nothing follows (verdicts
then "unknown" unless settled in the thread).  Revisions are found by their
Message-IDs, whatever the grouping made of them.  Scored:

- requests found: a labelled `[[request]]` is found when one of our requests
  comes from its mail and holds its quote; precision counts our requests
  from the scored revisions that match no label;
- verdicts: ours against `outcome` for the requests found (`open` is the
  labels' `not-addressed`); `unclear` never agrees (goals: ≥ 85% agree,
  ≤ 10% unclear);
- bot reports: found, and `fixed_in_next` against our status;
- trailers: who, type, which patch and carried or not (goal: 100%).

Plus the reference thread (overlayfs-dcache) v3 → v4 against the brief:
concern H addressed, concern I not (only partly).  `score()` is what
bench/review_accuracy.py imports; `main()` prints the table, then every
disagreement.  Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reviewer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
# The brief's v3 → v4 outcomes for the reference thread (overlayfs-thread.md
# §2, §4): (Message-ID prefix, words of the comment, expected outcome).
REFERENCE = (("CAJfpegtpi1", "Dropping a positive dentry is harmful", "addressed"),
             ("CAOQ4uxgfEBks", "lower layers can be shared", "not-addressed"))
_OURS = {"open": "not-addressed"}  # our verdict name → the labels' outcome name
_CARRIED = {"carried": "yes", "no-next-revision": "no-next-revision"}  # anything else: "no"


@dataclass(frozen=True)
class Row:
    series: str
    pair: str  # "v1→v2", or "v4→-" when nothing follows
    kind: str  # request, request-extra (ours, unlabelled), bot, trailer, reference
    label: str  # the label's id ("R3"), or our request's reviewer for extras
    expected: str  # the labelled outcome ("" for extras)
    got: str  # ours ("missed" when not found)
    agree: bool
    detail: str = ""


def _key_of(rev: dict[str, object]) -> set[str]:
    return {str(m) for m in rev.get("patches", [])} | ({str(rev["cover"])} if rev.get("cover")
                                                       else set())


def _revisions(opened: reviewer.Opened, labels: dict) -> dict[str, reviewer.Revision]:
    """Label id → our revision with those mails (any series)."""
    ours = [r for s in opened.series for r in s.revisions]
    out = {}
    for rev in labels.get("revision", []):
        want = _key_of(rev)
        best = max(ours, key=lambda r: len(want & ({p.msgid for p in r.patches}
                                                   | ({r.cover.msgid} if r.cover else set()))))
        if want & ({p.msgid for p in best.patches} | ({best.cover.msgid} if best.cover else set())):
            out[rev["id"]] = best
    return out


def _pieces(quote: str) -> list[str]:
    text = quote.replace("\\n", "\n").replace("\\t", "\t")
    parts = re.split(r"\n|\.\.\.|…| -- ", text)
    return [" ".join(p.lstrip("> ").split()) for p in parts if len(" ".join(p.split())) >= 10]


def _holds(req: reviewer.Request, quote: str) -> bool:
    text = " ".join(("\n".join(req.quoted) + "\n" + req.words).split())
    return any(piece in text for piece in _pieces(quote))


def _outcome(verdict: str) -> str:
    return _OURS.get(verdict, verdict)


def _score_requests(name: str, pair: str, labelled: list[dict],
                    found: list[reviewer.Request]) -> list[Row]:
    rows: list[Row] = []
    used: set[int] = set()
    for lab in labelled:
        mine = next((r for r in found if r.msgid == lab["message_id"]
                     and _holds(r, lab["quote"])), None)
        if mine is None:
            rows.append(Row(name, pair, "request", lab["id"], lab["outcome"], "missed", False,
                            lab["summary"]))
            continue
        used.add(id(mine))
        got = _outcome(mine.verdict)
        why = "; ".join(f"{e.kind}: {e.detail}" for e in mine.evidence)[:300]
        rows.append(Row(name, pair, "request", lab["id"], lab["outcome"], got,
                        got == lab["outcome"], f"{lab['summary']} | {why}"))
    for r in found:
        if id(r) not in used:
            rows.append(Row(name, pair, "request-extra", r.reviewer.name or r.reviewer.email, "",
                            _outcome(r.verdict), False,
                            f"{r.msgid}: {' '.join(r.words.split())[:160]}"))
    return rows


def _score_bots(name: str, pair: str, labelled: list[dict],
                found: list[reviewer.BotReport]) -> list[Row]:
    rows = []
    for lab in labelled:
        mine = next((b for b in found if b.msgid == lab["message_id"]), None)
        got = "missed" if mine is None else str(mine.status)
        rows.append(Row(name, pair, "bot", lab["id"], lab["fixed_in_next"], got,
                        got == lab["fixed_in_next"], mine.evidence if mine else lab["summary"]))
    return rows


def _same_who(t: reviewer.GivenTrailer, who: str) -> bool:
    name, _, rest = who.partition("<")
    email = rest.rstrip(">").strip().lower() or name.strip().lower()
    return t.who.email.lower() == email or (bool(name.strip()) and t.who.name == name.strip())


def _score_trailers(name: str, pair: str, labelled: list[dict], rev: reviewer.Revision,
                    found: Iterable[reviewer.CarriedTrailer]) -> list[Row]:
    rows = []
    msgids = {p.index: p.msgid for p in rev.patches} | {0: rev.cover.msgid if rev.cover else ""}
    found = list(found)
    for lab in labelled:
        mine = [c for c in found if c.trailer.msgid == lab["message_id"]
                and c.trailer.name.lower() == lab["type"].lower()
                and _same_who(c.trailer, lab["who"])]
        if not mine:
            rows.append(Row(name, pair, "trailer", lab["id"], lab["carried"], "missed", False,
                            f"{lab['type']}: {lab['who']}"))
            continue
        on = msgids.get(mine[0].trailer.patch, "")
        carried = {_CARRIED.get(c.status, "no") for c in mine}
        got = carried.pop() if len(carried) == 1 else "partly"
        ok = got == lab["carried"] and on == lab["on_patch"]
        rows.append(Row(name, pair, "trailer", lab["id"], lab["carried"], got, ok,
                        f"{mine[0].trailer} on {on[:40]} (label {lab['on_patch'][:40]}): "
                        + "; ".join(sorted({c.detail for c in mine}))))
    return rows


def _found(opened: reviewer.Opened, old: reviewer.Revision, new: reviewer.Revision | None
           ) -> tuple[list[reviewer.Request], list[reviewer.BotReport],
                      tuple[reviewer.CarriedTrailer, ...]]:
    """What compare (or, with no later revision, the library) reports."""
    if new is None:
        return (reviewer.review_requests(old, None), reviewer.bot_reports(old, None),
                reviewer.carried_trailers(old, None))
    series = next(s for s in opened.series if old in s.revisions)
    c = reviewer.compare_revisions(series, old, new, reports={})
    return list(c.requests), list(c.bot_reports), c.trailers


def _score_pair(name: str, pair: str, labels: dict, raised: str, found: tuple[
        list[reviewer.Request], list[reviewer.BotReport], tuple[reviewer.CarriedTrailer, ...]],
                old: reviewer.Revision) -> list[Row]:
    requests, bots, trailers = found
    return (_score_requests(name, pair, [r for r in labels.get("request", [])
                                         if r["raised_on"] == raised], requests)
            + _score_bots(name, pair, [b for b in labels.get("bot_report", [])
                                       if b["raised_on"] == raised], bots)
            + _score_trailers(name, pair, [t for t in labels.get("trailer", [])
                                           if t["on_revision"] == raised], old, trailers))


def score(mbox: Path, labels: dict) -> list[Row]:
    """Every labelled request, bot report and trailer of one series, and our
    requests that match no label.  Items raised on a mail the labels call no
    revision (a `#syz test` patch) are looked for under the revision our
    grouping put that mail in, against the revision the label names next."""
    name = labels.get("series", {}).get("name", mbox.stem)
    opened = reviewer.open_source(mbox)
    ours = _revisions(opened, labels)
    follows = {r["follows"]: r["id"] for r in labels.get("revision", []) if r.get("follows")}
    rows: list[Row] = []
    for rid, old in ours.items():
        nid = follows.get(rid)
        new = ours.get(nid) if nid else None
        rows += _score_pair(name, f"{rid}→{nid or '-'}", labels, rid,
                            _found(opened, old, new), old)
    for item in labels.get("non_revision", []):
        raised = f"non_revision:{item['message_id']}"
        home = next((r for s in opened.series for r in s.revisions
                     if item["message_id"] in {p.msgid for p in r.patches}), None)
        nexts = {x.get("next_revision") or x.get("resolved_in")
                 for kind in ("request", "trailer", "bot_report") for x in labels.get(kind, [])
                 if (x.get("raised_on") or x.get("on_revision")) == raised}
        nid = next((n for n in nexts if n), None)
        if home is not None and (nid is None or nid in ours):
            rows += _score_pair(name, f"{raised[:24]}…→{nid or '-'}", labels, raised,
                                _found(opened, home, ours.get(nid) if nid else None), home)
    return rows


def score_reference(mbox: Path) -> list[Row]:
    series = reviewer.open_source(mbox).series[0]
    c = reviewer.compare_revisions(series, series.revision(3), series.revision(4), reports={})
    rows = []
    for prefix, words, expected in REFERENCE:
        mine = next((r for r in c.requests if r.msgid.startswith(prefix) and words in r.words),
                    None)
        got = "missed" if mine is None else _outcome(mine.verdict)
        rows.append(Row("overlayfs-dcache", "v3→v4", "reference", prefix, expected, got,
                        got == expected, "; ".join(f"{e.kind}: {e.detail}"
                                                   for e in (mine.evidence if mine else ()))))
    return rows


def _ratio(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"


def table(rows: list[Row]) -> str:
    """One line per series and a total: requests found, precision,
    verdicts agreeing, unclear, bots, trailers."""
    out = [f"{'series':26} {'requests found':>15} {'precision':>15} {'verdicts agree':>15} "
           f"{'unclear':>11} {'bots found':>11} {'bots fixed':>11} {'trailers':>13}"]
    names = list(dict.fromkeys(r.series for r in rows)) + ["TOTAL"]
    for name in names:
        mine = [r for r in rows if r.series == name or name == "TOTAL"]
        req = [r for r in mine if r.kind in ("request", "reference")]
        found = [r for r in req if r.got != "missed"]
        extra = [r for r in mine if r.kind == "request-extra"]
        bots = [r for r in mine if r.kind == "bot"]
        trl = [r for r in mine if r.kind == "trailer"]
        out.append(f"{name:26} {_ratio(len(found), len(req)):>15} "
                   f"{_ratio(len(found), len(found) + len(extra)):>15} "
                   f"{_ratio(sum(r.agree for r in found), len(found)):>15} "
                   f"{_ratio(sum(r.got == 'unclear' for r in found), len(found)):>11} "
                   f"{_ratio(sum(r.got != 'missed' for r in bots), len(bots)):>11} "
                   f"{_ratio(sum(r.agree for r in bots), len(bots)):>11} "
                   f"{_ratio(sum(r.agree for r in trl), len(trl)):>13}")
    return "\n".join(out)


def disagreements(rows: list[Row], extras: bool = True) -> str:
    out = []
    for r in rows:
        if r.agree or (r.kind == "request-extra" and not extras):
            continue
        want = f"expected {r.expected}, " if r.expected else ""
        out.append(f"{r.series} {r.pair} {r.kind} {r.label}: {want}got {r.got}\n    {r.detail}")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--json", type=Path)
    ap.add_argument("-q", "--quiet", action="store_true", help="leave out our unlabelled requests")
    args = ap.parse_args()
    dev = args.corpus / "threads-dev"
    if not dev.is_dir():
        print(f"compare_accuracy: {dev} is absent", file=sys.stderr)
        return 2
    rows: list[Row] = []
    for labels_path in sorted(dev.glob("*.labels.toml")):
        labels = tomllib.loads(labels_path.read_text())
        rows += score(dev / labels_path.name.replace(".labels.toml", ".mbox"), labels)
    reference = args.corpus / "overlayfs-dcache" / "thread.mbox"
    if reference.exists():
        rows += score_reference(reference)
    print(table(rows))
    print()
    print(disagreements(rows, extras=not args.quiet))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
