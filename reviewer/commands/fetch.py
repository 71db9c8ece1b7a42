"""`reviewer fetch`: a thread and every revision of its series from lore."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewer.commands.common import print_json, record_seen, stderr, stdout


def _summary(got: Any, found: list[Any]) -> list[dict[str, Any]]:
    out = []
    for series in found:
        out.append({"title": series.title, "revisions": [{
            "version": rev.version, "label": rev.label, "title": rev.title,
            "msgid": rev.first_message.msgid, "subject": rev.first_message.subject.full,
            "date": rev.first_message.date.isoformat(),
            "found_by": got.found_by.get(rev.first_message.msgid, "cache"),
            "link": None if rev.link is None else {
                "reason": rev.link.reason, "confidence": rev.link.confidence,
                "detail": rev.link.detail},
        } for rev in series.revisions]})
    return out


def cmd_fetch(args: argparse.Namespace) -> int:
    from reviewer.mail.fetch import fetch_series, write_mbox

    got = fetch_series(args.source, lore=args.lore, offline=True if args.offline else None)
    if args.output:
        write_mbox(Path(args.output), list(got.raws.values()))
    from reviewer.mail.revisions import group_series
    from reviewer.mail.thread import build_thread

    found = group_series(build_thread(got.messages))
    record_seen(found, f"{got.origin}/{got.msgid}")
    series = _summary(got, found)
    if args.json:
        print_json({"msgid": got.msgid, "origin": got.origin, "offline": got.offline,
                    "messages": len(got.raws), "output": args.output, "notes": list(got.notes),
                    "problems": list(got.problems), "series": series})
        return 0
    from rich.text import Text

    from reviewer.output.listing import inert  # mail text: no terminal escapes get through

    for note in got.notes:
        stderr.print(inert(note), soft_wrap=True)
    for problem in got.problems:
        stderr.print(inert(f"warning: {problem}"), soft_wrap=True)
    where = "the cache" if got.offline else got.origin
    stdout.print(inert(f"{len(got.raws)} messages of <{got.msgid}> from {where}"))
    for s in series:
        stdout.print(Text("\n").append_text(inert(s["title"])))
        for rev in s["revisions"]:
            link = rev["link"]
            linked = (f"{link['reason']} ({link['confidence']:.2f}: {link['detail']})"
                      if link else "first revision")
            stdout.print(Text("\n").join([
                inert(f"  {rev['label']:4} {rev['subject']}"), inert(f"       <{rev['msgid']}>"),
                inert(f"       found by {rev['found_by']}; linked by {linked}")]),
                soft_wrap=True)
    if args.output:
        stdout.print(f"\nwrote {args.output} ({len(got.raws)} messages)", markup=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("fetch", help="fetch a thread and every revision of its series from "
                        "a public-inbox archive (cached for offline use)")
    sp.set_defaults(func=cmd_fetch)
    sp.add_argument("source", metavar="MSGID|URL",
                    help="a Message-ID or an archive URL of any mail of the thread")
    sp.add_argument("-o", "--output", metavar="FILE",
                    help="write the merged series as an mbox (.gz: compressed)")
    sp.add_argument("--lore", metavar="URL",
                    help="the public-inbox archive (default: b4.midmask, else "
                    "https://lore.kernel.org/all)")
    sp.add_argument("--offline", action="store_true", help="use the cache only")
    sp.add_argument("--json", action="store_true", help="print JSON")
