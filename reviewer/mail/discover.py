"""Find every revision of a series in a public-inbox archive from one
Message-ID, even when each revision is its own thread.

1. the seed's thread (t.mbox.gz);
2. b4's own search for other revisions (`b4.mbox.get_extra_series`:
   change-id, else subject and author), newer and older;
3. what b4 misses, a revision whose subject changed: the same author's
   patches touching the same files (`dfn:`) close in time (`d:`), with a
   version that fits between the known ones by date.

Rounds repeat until nothing new turns up.  reviewer.mail.revisions then links the
revisions (each link with a reason and a confidence); fetched threads it
does not link to the seed's series are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import b4
import b4.mbox

from reviewer.mail.fetch import Archive, parse_mail, to_messages
from reviewer.mail.revisions import group_series
from reviewer.mail.subject import parse_subject
from reviewer.mail.thread import build_thread
from reviewer.model import Message, Revision, Series, Thread

__all__ = ["AUTHOR_FILES", "B4_CHANGE_ID", "B4_SUBJECT", "SEED", "Found", "discover",
           "series_closure"]

SEED = "seed thread"
B4_CHANGE_ID = "b4 change-id search"
B4_SUBJECT = "b4 subject+author search"
AUTHOR_FILES = "author+files search"

_ROUNDS = 4
_WINDOW = dt.timedelta(days=90)  # "close in time" around the known revisions
_MAX_PATHS = 16  # keeps the query short for series touching many files
_CHANGE_ID = re.compile(r"^change-id:\s*\S+", re.M | re.I)
_DIFF_PATH = re.compile(r"^diff --git a/(\S+) b/", re.M)
_UNSAFE = re.compile(r'["\\()\s]')  # would break out of a search term


@dataclass
class Found:
    raws: dict[str, bytes] = field(default_factory=dict)  # everything fetched
    found_by: dict[str, str] = field(default_factory=dict)  # kept Message-ID → how
    kept: list[str] = field(default_factory=list)  # Message-IDs of the seed's series
    notes: list[str] = field(default_factory=list)


class _Collector:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.raws: dict[str, bytes] = {}
        self.found_by: dict[str, str] = {}
        self.threads: list[tuple[str, set[str]]] = []  # (how found, Message-IDs)
        self.messages: dict[str, Message] = {}
        self.notes: list[str] = []

    def add_thread(self, msgid: str, how: str) -> int:
        if msgid in self.raws:
            return 0
        mails = self.archive.thread(msgid)
        new = {m: r for m, r in mails.items() if m not in self.raws}
        self.raws.update(new)
        for mid in mails:
            self.found_by.setdefault(mid, how)
        self.threads.append((how, set(mails)))
        parsed, _problems = to_messages(new)
        self.messages.update((m.msgid, m) for m in parsed)
        return len(new)


def _rev_ids(rev: Revision) -> set[str]:
    return {p.msgid for p in rev.patches} | ({rev.cover.msgid} if rev.cover else set())


def _series_in(thread: Thread, msgid: str) -> Series | None:
    for series in group_series(thread):
        for rev in series.revisions:
            if msgid in _rev_ids(rev) or any(r.message.msgid == msgid for r in rev.replies):
                return series
    return None


def _series_of(messages: Iterable[Message], msgid: str) -> Series | None:
    return _series_in(build_thread(messages), msgid)


def _b4_step(col: _Collector) -> int:
    """b4's way: its own query for newer and older revisions."""
    emails = [parse_mail(r) for r in col.raws.values()]
    by_cid = any(_CHANGE_ID.search(m.body) for m in col.messages.values())
    how = B4_CHANGE_ID if by_cid else B4_SUBJECT
    added = 0
    for direction in (1, -1):
        try:
            out = b4.mbox.get_extra_series(list(emails), direction=direction, nocache=True)
        except (IndexError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # b4 indexes headers of untrusted mail without checks (no From:, …)
            col.notes.append(f"b4's revision search failed ({exc.__class__.__name__}: {exc})")
            continue
        for em in out[len(emails):]:
            mid = b4.LoreMessage.get_clean_msgid(em)
            subject = parse_subject(str(em.get("Subject", "")))  # a broken one too
            if mid and mid not in col.raws and subject.is_patch and not subject.is_reply:
                added += col.add_thread(mid, how)
    return added


def _fits(msg: Message, authors: set[str], paths: set[str],
          known: list[tuple[int, dt.datetime]]) -> bool:
    """Same author, overlapping files, and a version that orders with the
    known revisions as its date does (a later post has a higher version)."""
    s = msg.subject
    if s.is_reply or not s.is_patch or not msg.has_diff:
        return False
    if msg.sender.email.lower() not in authors:
        return False
    if not set(_DIFF_PATH.findall(msg.body)) & paths:
        return False
    if any(s.version == v for v, _ in known):  # a resend, or another series
        return False
    return all((s.version > v) == (msg.date > d) for v, d in known)


def _author_files_step(col: _Collector, seed: str) -> int:
    series = _series_of(col.messages.values(), seed)
    if series is None:
        return 0
    revs = series.revisions
    authors = {r.sender.email.lower() for r in revs if r.sender.email}
    paths = set().union(*(r.paths for r in revs))
    terms = sorted(p for p in paths if not _UNSAFE.search(p))[:_MAX_PATHS]
    who = sorted(a for a in authors if not _UNSAFE.search(a))
    if not terms or not who:
        return 0
    dates = [r.first_message.date for r in revs]
    start = (min(dates) - _WINDOW).strftime("%Y%m%d")
    end = (max(dates) + _WINDOW).strftime("%Y%m%d")
    by = " OR ".join(f'f:"{a}"' for a in who)
    files = " OR ".join(f"dfn:{p}" for p in terms)
    query = f"({by}) AND d:{start}..{end} AND ({files})"
    known = [(r.version, r.first_message.date) for r in revs]
    hits, _problems = to_messages(col.archive.search(query))
    added = 0
    for msg in sorted(hits, key=lambda m: (m.date, m.msgid)):
        if msg.msgid not in col.raws and _fits(msg, authors, paths, known):
            added += col.add_thread(msg.msgid, AUTHOR_FILES)
    return added


def discover(archive: Archive, msgid: str) -> Found:
    """The seed's thread and the threads of its other revisions."""
    col = _Collector(archive)
    col.add_thread(msgid, SEED)
    for _ in range(_ROUNDS):
        if not _b4_step(col) + _author_files_step(col, msgid):
            break
    series = _series_of(col.messages.values(), msgid)
    ids = set().union(*(_rev_ids(r) for r in series.revisions)) if series else set()
    keep: set[str] = set()
    dropped = 0
    for how, mids in col.threads:
        if how == SEED or mids & ids:
            keep |= mids
        else:
            dropped += 1
    found = Found(raws=col.raws, notes=list(dict.fromkeys(archive.notes + col.notes)))
    found.kept = [m for m in col.raws if m in keep]
    found.found_by = {m: col.found_by[m] for m in found.kept}
    if dropped:
        found.notes.append(f"{dropped} thread(s) found by search were not linked to the "
                           "series and were left out")
    return found


def series_closure(raws: dict[str, bytes], msgid: str) -> dict[str, bytes]:
    """The mails among `raws` of the series holding `msgid` (its reply tree
    when it holds no patches): what a fetch of `msgid` would have kept."""
    if msgid not in raws:
        return {}
    messages, _problems = to_messages(raws)
    thread = build_thread(messages)
    series = _series_in(thread, msgid)
    if series is not None:
        ids = set().union(*(_rev_ids(r) | {x.message.msgid for x in r.replies}
                            for r in series.revisions))
    else:
        root = ([msgid] + thread.ancestors(msgid))[-1]
        ids, todo = set(), [root]
        while todo:
            cur = todo.pop()
            ids.add(cur)
            todo.extend(thread.children.get(cur, ()))
    return {m: r for m, r in raws.items() if m in ids}
