"""What attestation adds to `reviewer revisions`: per thread, loading it
(reviewer.open_source, the baseline) and checking the signatures of every
cover and patch (reviewer.attest_revision, no DNS), as the median of
--repeat runs in this process; the ratio is attestation / loading.

    python bench/attest_bench.py [--repeat 5] [--json out.json] [MBOX ...]

Default threads: the shared corpus's reference thread, its six dev
threads (DKIM-signed: parsed, not looked up) and b4's patatt-signed
sample (OpenPGP: gpg runs, the key is absent).  Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reviewer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
T = TypeVar("T")
DEFAULT = [CORPUS / "overlayfs-dcache" / "thread.mbox",
           *sorted((CORPUS / "threads-dev").glob("*.mbox")),
           CORPUS / "peers" / "b4" / "samples" / "shazam-git1-just-series.mbox"]


def _median(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mbox", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sources = reviewer.keyring_sources()
    rows = []
    for path in args.mbox or [p for p in DEFAULT if p.exists()]:
        load_s, opened = _median(lambda p=path: reviewer.open_source(p), args.repeat)
        revs = [r for s in opened.series for r in s.revisions]
        attest_s, found = _median(
            lambda revs=revs: [reviewer.attest_revision(r, sources) for r in revs], args.repeat)
        statuses = Counter(a.status.value for per in found for a in per.values())
        rows.append({"thread": path.name, "mails": sum(statuses.values()),
                     "load_s": round(load_s, 4), "attest_s": round(attest_s, 4),
                     "ratio": round(attest_s / load_s, 2), "statuses": dict(statuses)})
    print(f"{'thread':42} {'mails':>5} {'load s':>8} {'attest s':>9} {'ratio':>6}  statuses")
    for r in rows:
        print(f"{r['thread']:42} {r['mails']:5} {r['load_s']:8.4f} {r['attest_s']:9.4f} "
              f"{r['ratio']:6.2f}  {r['statuses']}")
    print(json.dumps(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
