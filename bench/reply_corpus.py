"""Reply drafts on the development corpus: for every patch (or cover) of
every revision that has findings (diff level, all severities), the draft
`reviewer reply` would write, and where each finding went: under its very
line, under its file's header (a line outside the hunks, or none), or
after the quoted message (about the mail, or a file the patch does not
touch).  Each
draft is then read back by `git mailinfo`: it must not look like a patch,
and every quoted line must be a line of the patch, in order.

    python bench/reply_corpus.py [MBOX ...]

Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reviewer  # noqa: E402
from reviewer.checks.engine import check_revision, selected_rules  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
ME = reviewer.Address("Bench Reviewer", "bench@example.org")


def _sources() -> list[Path]:
    return [CORPUS / "overlayfs-dcache" / "thread.mbox",
            *sorted((CORPUS / "threads-dev").glob("*.mbox")),
            *sorted((CORPUS / "race-dev").glob("*.eml"))]


def _where(f: reviewer.Finding, lines: tuple[reviewer.QuotedLine, ...]) -> str:
    if f.file is None:
        return "message"  # about the mail, not a file: after the quoted message
    if f.line is not None and any(q.file == f.file and q.new == f.line and q.hunk
                                  for q in lines):
        return "line"
    if any(q.file == f.file for q in lines):
        return "file"
    return "elsewhere"  # a file this patch does not touch: after the quoted message


def _read_back(text: str, lines: tuple[reviewer.QuotedLine, ...], tmp: Path) -> bool:
    """git mailinfo finds no patch, and the quoted lines are the patch's, in order."""
    mail = tmp / "reply.eml"
    mail.write_text(text)
    with mail.open("rb") as fh:
        subprocess.run(["git", "mailinfo", str(tmp / "msg"), str(tmp / "patch")], stdin=fh,
                       capture_output=True, check=True)
    if (tmp / "patch").read_text():
        return False
    quoted = [line[2:] if line.startswith("> ") else "" for line in
              (tmp / "msg").read_text().split("\n") if line.startswith(">")]
    it = iter(q.text for q in lines)
    return all(any(q == want for q in it) for want in quoted)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mbox", nargs="*", type=Path)
    args = ap.parse_args()
    config = reviewer.Config()
    rules = selected_rules(config)
    where: Counter[str] = Counter()
    drafts = read_back = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.mbox or [p for p in _sources() if p.exists()]:
            opened = reviewer.open_source(path)
            for series in opened.series:
                for rev in series.revisions:
                    report = check_revision(series, rev, None, None, config, rules)
                    targets = {reviewer.reply_target(rev, f.patch) if f.patch is not None
                               else reviewer.reply_target(rev, None) for f in report.findings}
                    for k in sorted(targets):
                        mine = reviewer.reply_findings(rev, k, report.findings)
                        lines = reviewer.reply_lines(rev, k)
                        where.update(_where(f, lines) for f in mine)
                        draft = reviewer.draft_reply(rev, k, ME, mine)
                        drafts += 1
                        read_back += _read_back(draft.text, lines, Path(tmp))
    total = sum(where.values())
    with_line = sum(n for w, n in where.items() if w != "message")
    result = {"drafts": drafts, "read_back_ok": read_back, "findings": total,
              "about_the_message": where["message"], "about_a_file": with_line,
              "under_their_line": where["line"], "under_their_file": where["file"],
              "file_not_in_patch": where["elsewhere"],
              "seconds": round(time.perf_counter() - start, 2)}
    print(f"{drafts} drafts, {read_back} read back intact by git mailinfo; {total} findings: "
          f"{where['message']} about the mail (after the quoted message); {with_line} about a "
          f"file: {where['line']} under their line, {where['file']} under their file's "
          f"header, {where['elsewhere']} about a file the patch does not touch "
          f"({result['seconds']} s)")
    print(json.dumps(result))  # the figures, for a script
    return 0


if __name__ == "__main__":
    sys.exit(main())
