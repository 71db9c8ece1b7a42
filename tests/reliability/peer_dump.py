"""Dump what `reviewer` reads from every file of the peer corpus (or of
the paths given), one JSON line per file: rejected (and the message), or
per revision its version, cover, patches (subject, author, files, hashes
of the commit message and the diff) and replies (hashes of their bodies).
Run it on two checkouts and diff the outputs to see what a change to mail
reading made better or worse (from outside both, so that neither is the
current directory, which Python would import first):

    cd /tmp && PYTHONPATH=OLD python3 NEW/tests/reliability/peer_dump.py > old.jsonl
    cd /tmp && PYTHONPATH=NEW python3 NEW/tests/reliability/peer_dump.py > new.jsonl
    diff old.jsonl new.jsonl

Only the public API is used, so the script runs against older code too."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import reviewer

PEERS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "peers"


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _revision(rev: reviewer.Revision) -> dict[str, Any]:
    return {
        "version": rev.version,
        "cover": rev.cover.subject.summary if rev.cover else None,
        "patches": [{"index": p.index, "title": p.title, "author": str(p.author),
                     "files": list(p.paths), "message": _hash(p.commit_message),
                     "diff": _hash(p.diff)} for p in rev.patches],
        "replies": [_hash(r.message.body) for r in rev.replies],
    }


def dump(path: Path) -> dict[str, Any]:
    rel = path.relative_to(PEERS).as_posix() if path.is_relative_to(PEERS) else str(path)
    try:
        opened = reviewer.open_source(path)
    except reviewer.ReviewerError as exc:
        return {"file": rel, "rejected": str(exc).removeprefix(f"{path}: ")}
    return {"file": rel, "messages": len(opened.loaded.messages),
            "problems": len(opened.loaded.problems),
            "series": [[_revision(r) for r in s.revisions] for s in opened.series]}


def main(args: list[str]) -> int:
    if not args and not PEERS.is_dir():
        print(f"{PEERS} is absent", file=sys.stderr)
        return 2
    paths = [Path(a) for a in args] or sorted(p for p in PEERS.rglob("*") if p.is_file())
    for path in paths:
        print(json.dumps(dump(path), ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
