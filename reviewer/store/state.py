"""Where the user's review of each series stands, kept across runs in a
SQLite file in the user data dir ($REVIEWER_STATE overrides the path).

A series is known by its change-id, else by its first revision's
Message-ID; every revision's first Message-ID and change-id is kept as an
alias, so a later run that sees only a newer revision still finds it.
States: new → reviewing → replied → waiting (for a new revision) →
accepted / rejected, and snoozed until a date, after which the state
before the snooze is back.  Each series also keeps the latest revision
any run saw and a summary of the last check, for `reviewer list`.

The file is opened as the cache is (reviewer.store.sqlite: WAL, so runs
in several processes at once each see the others' writes).  A damaged
file is moved aside, never deleted: `moved_aside` says where, and the
store starts afresh.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from reviewer.errors import StateError
from reviewer.mail.trailers import TrailerCounts, given_trailers, trailer_counts
from reviewer.model import Finding, ReviewState, Series, Severity
from reviewer.output.report import finding_location, worst
from reviewer.store.sqlite import open_db, sidecars

__all__ = ["CheckSummary", "ReviewStates", "TrackedSeries", "default_state_path",
           "parse_until"]

_VERSION = 2  # PRAGMA user_version of the schema below (2: trailers)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    key TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    until TEXT,             -- snoozed: the ISO date it ends
    resume TEXT,            -- snoozed: the state it ends in
    state_version INTEGER,  -- the latest revision when the state was set
    latest_version INTEGER NOT NULL,
    latest_msgid TEXT NOT NULL,
    source TEXT NOT NULL,   -- where a run last read it
    changed REAL NOT NULL,  -- when the state was set
    seen REAL NOT NULL,     -- when a run last saw it
    summary TEXT,           -- the last check, JSON (CheckSummary)
    trailers TEXT           -- A·R·T given to the latest revision, JSON [a, r, t]
);
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT PRIMARY KEY,  -- 'change-id:…' or 'msgid:…'
    key TEXT NOT NULL
);
"""
_COLUMNS = {"series": {"key", "title", "state", "until", "resume", "state_version",
                       "latest_version", "latest_msgid", "source", "changed", "seen", "summary",
                       "trailers"},
            "aliases": {"alias", "key"}}


def default_state_path() -> Path:
    env = os.environ.get("REVIEWER_STATE")
    return Path(env) if env else Path(user_data_dir("reviewer")) / "state.sqlite3"


def parse_until(text: str, today: dt.date, what: str = "") -> dt.date:
    """The end of a snooze: `2024-06-01`, or `+3d` / `+2w` from today.
    A StateError names the text (after `what`, e.g. an option) otherwise."""
    if m := re.fullmatch(r"\+?(\d{1,4})([dw])", text.strip()):
        return today + dt.timedelta(days=int(m.group(1)) * (7 if m.group(2) == "w" else 1))
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise StateError(f"{what}{text!r}: not a date (YYYY-MM-DD, +Nd or +Nw)") from None


@dataclass(frozen=True)
class CheckSummary:
    """What the last check of a series' latest checked revision found."""

    version: int
    counts: tuple[int, int, int]  # errors, warnings, infos
    worst_rule: str  # "" when nothing was found
    worst_severity: Severity | None
    worst_message: str
    worst_where: str  # e.g. `v1 1 fs/overlayfs/namei.c:214`

    @classmethod
    def of(cls, version: int, findings: Sequence[Finding]) -> CheckSummary:
        sev = worst(list(findings))
        top = next((f for f in findings if f.severity is sev), None)
        counts = tuple(sum(f.severity is s for f in findings) for s in Severity)
        return cls(version, (counts[0], counts[1], counts[2]), top.rule_id if top else "", sev,
                   top.message if top else "", finding_location(top) if top else "")


@dataclass(frozen=True)
class TrackedSeries:
    key: str
    title: str
    state: ReviewState  # as set: SNOOZED until `until`, see `current`
    until: dt.date | None
    resume: ReviewState | None
    state_version: int | None
    latest_version: int
    latest_msgid: str
    source: str
    changed: float
    seen: float
    summary: CheckSummary | None
    trailers: TrailerCounts | None  # given to the latest revision; None before schema 2

    def current(self, today: dt.date | None = None) -> ReviewState:
        """The state now: a snooze that has ended gives back the state before it."""
        if self.state is ReviewState.SNOOZED and self.until is not None:
            if self.until <= (today or dt.date.today()):
                return self.resume or ReviewState.NEW
        return self.state

    def describe(self, today: dt.date | None = None) -> str:
        """e.g. `snoozed until 2024-06-01`, `waiting, v3 is out`, `reviewing (snooze over)`."""
        now = self.current(today)
        if now is ReviewState.SNOOZED:
            return f"snoozed until {self.until}"
        text = now.value + (" (snooze over)" if self.state is ReviewState.SNOOZED else "")
        return text + (f", v{self.latest_version} is out" if self.newer_revision else "")

    @property
    def newer_revision(self) -> bool:
        """Waiting for a new revision, and one has been seen since."""
        return (self.state is ReviewState.WAITING and self.state_version is not None
                and self.latest_version > self.state_version)


def _aliases(series: Series) -> list[str]:
    ids = [f"change-id:{r.change_id}" for r in series.revisions if r.change_id]
    return list(dict.fromkeys(ids + [f"msgid:{r.first_message.msgid}" for r in series.revisions]))


def _validate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > _VERSION:
        raise StateError(f"the review state was written by a newer reviewer (schema {version})")
    if version == 1:  # schema 1 had no trailers column: add it, the rest is kept
        db.execute("ALTER TABLE series ADD COLUMN trailers TEXT")
    for table, columns in _COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if have != columns:
            raise sqlite3.DatabaseError(f"table {table} is not the review state's")
    if version < _VERSION:
        db.execute(f"PRAGMA user_version = {_VERSION}")


class ReviewStates:
    """The review state store.  Raises StateError (one line) when the file
    cannot be opened or written."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_state_path()
        self.moved_aside: tuple[Path, str] | None = None  # (where, why) for a damaged file
        try:
            self._db = open_db(self.path, _SCHEMA, self._move_aside, _validate)
        except (sqlite3.Error, OSError, StateError) as exc:
            raise StateError(f"cannot open the review state {self.path}: {exc}") from None
        self._db.isolation_level = None  # transactions are ours: BEGIN IMMEDIATE below

    def _move_aside(self, path: Path, why: sqlite3.DatabaseError) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        n = 0
        while (dest := path.with_name(f"{path.name}.bad-{stamp}" + (f"-{n}" if n else ""))
               ).exists():
            n += 1
        for src, dst in zip(sidecars(path), sidecars(dest), strict=True):
            if src.exists():
                src.rename(dst)
        self.moved_aside = (dest, str(why))

    def close(self) -> None:
        self._db.close()

    def _write(self, series: Series, source: str, then: str = "",
               params: tuple[Any, ...] = ()) -> TrackedSeries:
        """In one transaction: record that a run read `series` from
        `source` (new when unknown, its latest revision kept), then run
        `then` with `params` and the series' key appended."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                key = self._key(series)
                self._seen(key, series, source)
                if then:
                    self._db.execute(then, (*params, key))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StateError(f"cannot write the review state {self.path}: {exc}") from None
        return self._get(key)

    def _key(self, series: Series) -> str:
        aliases = _aliases(series)
        marks = ",".join("?" * len(aliases))
        rows = dict(self._db.execute(f"SELECT alias, key FROM aliases WHERE alias IN ({marks})",
                                     aliases).fetchall())
        return next((rows[a] for a in aliases if a in rows), aliases[0].partition(":")[2])

    def _seen(self, key: str, series: Series, source: str) -> None:
        now, latest = time.time(), series.revisions[-1]
        art = trailer_counts(given_trailers(latest))
        self._db.execute(
            "INSERT INTO series (key, title, state, latest_version, latest_msgid, source, "
            "changed, seen, trailers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET "
            "source = excluded.source, seen = excluded.seen, "
            "title = iif(excluded.latest_version >= latest_version, excluded.title, title), "
            "latest_msgid = iif(excluded.latest_version >= latest_version, "
            "excluded.latest_msgid, latest_msgid), "
            "trailers = iif(excluded.latest_version >= latest_version, "
            "excluded.trailers, trailers), "
            "latest_version = max(latest_version, excluded.latest_version)",
            (key, series.title, ReviewState.NEW.value, latest.version,
             latest.first_message.msgid, source, now, now,
             json.dumps([art.acked, art.reviewed, art.tested])))
        self._db.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?)",
                             [(a, key) for a in _aliases(series)])

    def seen(self, series: Series, source: str) -> TrackedSeries:
        """Record that a run read `series` from `source` (new when unknown)."""
        return self._write(series, source)

    def refresh(self, series: Series, source: str) -> TrackedSeries | None:
        """Record a newer revision of a series already tracked (a listing or
        a fetch that found one); an unknown series stays untracked (None)."""
        return None if self.get(series) is None else self.seen(series, source)

    def set_state(self, series: Series, source: str, state: ReviewState,
                  until: dt.date | None = None) -> TrackedSeries:
        """Set the state (SNOOZED needs `until`; it then resumes the state
        before).  The latest revision seen now is what WAITING waits past."""
        if (state is ReviewState.SNOOZED) != (until is not None):
            raise StateError("a date goes with `snoozed` and only with it")
        snoozed = ReviewState.SNOOZED.value
        return self._write(series, source, (
            "UPDATE series SET resume = iif(? = ?, iif(state = ?, resume, state), NULL), "
            "state = ?, until = ?, state_version = latest_version, changed = ? WHERE key = ?"),
            (state.value, snoozed, snoozed, state.value, until.isoformat() if until else None,
             time.time()))

    def record_check(self, series: Series, source: str, version: int,
                     findings: Sequence[Finding]) -> TrackedSeries:
        """Keep what a check of revision `version` found; an older
        revision's check does not replace a newer one's."""
        s = CheckSummary.of(version, findings)
        summary = json.dumps({"version": s.version, "counts": list(s.counts),
                              "worst_rule": s.worst_rule, "worst_severity":
                              s.worst_severity.value if s.worst_severity else None,
                              "worst_message": s.worst_message, "worst_where": s.worst_where})
        return self._write(series, source, (
            "UPDATE series SET summary = ? WHERE (summary IS NULL OR "
            "json_extract(summary, '$.version') <= ?) AND key = ?"), (summary, version))

    def get(self, series: Series) -> TrackedSeries | None:
        try:
            return self._get(self._key(series))
        except (StateError, sqlite3.Error):
            return None

    def _get(self, key: str) -> TrackedSeries:
        found = self._select("WHERE key = ?", (key,))
        if not found:
            raise StateError(f"series {key} is not in the review state")
        return found[0]

    def all(self) -> list[TrackedSeries]:
        """Every known series, the most recently changed or seen first."""
        return self._select("ORDER BY max(changed, seen) DESC, key", ())

    def _select(self, where: str, params: tuple[Any, ...]) -> list[TrackedSeries]:
        try:
            rows = self._db.execute(
                "SELECT key, title, state, until, resume, state_version, latest_version, "
                f"latest_msgid, source, changed, seen, summary, trailers FROM series {where}",
                params).fetchall()
        except sqlite3.Error as exc:
            raise StateError(f"cannot read the review state {self.path}: {exc}") from None
        try:
            return [_tracked(row) for row in rows]
        except (ValueError, KeyError, TypeError) as exc:  # a value no version of ours wrote
            raise StateError(f"unreadable entry in the review state {self.path}: {exc}") from None


def _tracked(row: tuple[Any, ...]) -> TrackedSeries:
    (key, title, state, until, resume, state_version, latest_version, latest_msgid, source,
     changed, seen, summary, trailers) = row
    data = json.loads(summary) if summary else None
    art = TrailerCounts(*map(int, json.loads(trailers))) if trailers else None
    return TrackedSeries(
        key, title, ReviewState(state), dt.date.fromisoformat(until) if until else None,
        ReviewState(resume) if resume else None, state_version, latest_version, latest_msgid,
        source, changed, seen,
        None if data is None else CheckSummary(
            data["version"], tuple(data["counts"]), data["worst_rule"],
            Severity(data["worst_severity"]) if data["worst_severity"] else None,
            data["worst_message"], data["worst_where"]), art)
