"""A SQLite cache in the user cache dir.  Check results are keyed by what
determines them (see `engine.cache_key`), so a second run on the same thread
re-checks nothing.  Mail fetched from an archive is kept keyed by Message-ID
(`messages`), with what each fetch found (`fetches`).  A corrupt database is
rebuilt (with a notice, see `take_notices`); a failed write (disk full,
read-only) is ignored: the cache only ever saves time (and, for fetched
mail, lets a command run offline).  Kernel facts derived from a tree
(reviewer.checks.race.treefacts) are kept per function, a set at a time.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from platformdirs import user_cache_dir

from reviewer.model import Finding, Level, Severity
from reviewer.store.sqlite import open_db, sidecars

__all__ = ["ResultCache", "Turn", "default_cache_path", "take_notices"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS findings (
    key TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    msgid TEXT PRIMARY KEY,
    raw BLOB NOT NULL,
    origin TEXT NOT NULL,
    fetched REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tree_facts (
    facts TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    spec TEXT NOT NULL,
    PRIMARY KEY (facts, name, scope)
);
CREATE TABLE IF NOT EXISTS tree_fact_sets (
    facts TEXT PRIMARY KEY,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fetches (
    seed TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    payload TEXT NOT NULL,
    fetched REAL NOT NULL
);
"""


_NOTICES: list[str] = []  # what the user should hear once (a rebuilt file)
_NOTICES_LOCK = threading.Lock()


def take_notices() -> list[str]:
    """One-line notices since the last call (e.g. a damaged cache rebuilt)."""
    with _NOTICES_LOCK:
        out = list(dict.fromkeys(_NOTICES))
        _NOTICES.clear()
    return out


def default_cache_path() -> Path:
    env = os.environ.get("REVIEWER_CACHE")
    return Path(env) if env else Path(user_cache_dir("reviewer")) / "cache.sqlite3"


class Turn:
    """A turn, exclusive among the processes sharing a cache, at work they
    would otherwise each do (deriving a tree's facts, a tree-wide grep):
    the others wait for it, then read what it stored.  The kernel ends the
    turn of a process that dies.  Where no lock file can be made (a
    read-only cache directory) every process has its own turn."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def take(self, block: bool = True) -> bool:
        """Wait for the turn (or, with `block` False, only take it if free);
        False when another process has it."""
        try:
            self._file = open(self.path, "ab")
        except OSError:
            return True
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> Turn:
        self.take()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class ResultCache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_cache_path()
        self._db: sqlite3.Connection | None = None
        self._retry_at = 0.0  # after a failed open, when to try again

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or time.monotonic() < self._retry_at:
            return self._db
        try:
            self._db = open_db(self.path, _SCHEMA, _delete)
        except (sqlite3.Error, OSError):
            # Locked past the timeout, read-only, disk full, not a file: this
            # run goes without the cache; the database (maybe another
            # process's) stays.
            self._db = None
        if self._db is None:  # not on every get/put: each would wait out the lock timeout
            self._retry_at = time.monotonic() + 60
        return self._db

    def turn(self, purpose: str) -> Turn:
        """The turn at `purpose` among the processes sharing this cache."""
        return Turn(Path(f"{self.path}.{purpose}.lock"))

    def get(self, key: str) -> tuple[str, list[Finding]] | None:
        """(level, findings) stored for `key`, or None."""
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT payload FROM findings WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            data = json.loads(row[0])
            return str(data["level"]), [_finding(d) for d in data["findings"]]
        except (sqlite3.Error, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, rule_id: str, level: str, findings: list[Finding]) -> None:
        db = self._connect()
        if db is None:
            return
        payload = json.dumps({"level": level, "findings": [
            {**asdict(f), "severity": f.severity.value} for f in findings]})
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO findings VALUES (?, ?, ?)",
                           (key, rule_id, payload))
        except sqlite3.Error:
            pass

    # Other results keyed by what determines them (e.g. apply results, see
    # reviewer.tree.apply): any JSON value, `kind` saying what it is.
    def get_json(self, key: str) -> Any:
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT payload FROM results WHERE key = ?", (key,)).fetchone()
            return None if row is None else json.loads(row[0])
        except (sqlite3.Error, ValueError):
            return None

    def put_json(self, key: str, kind: str, value: Any) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                           (key, kind, json.dumps(value)))
        except sqlite3.Error:
            pass

    # Mail fetched from an archive (reviewer.mail.fetch), keyed by Message-ID, and
    # what each fetch found, so the same command works offline.
    def put_fetch(self, seed: str, origin: str, raws: dict[str, bytes],
                  payload: dict[str, Any]) -> bool:
        """Store the mails and the fetch record in one transaction; False
        when the cache cannot be written."""
        db = self._connect()
        if db is None:
            return False
        now = time.time()
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?)",
                               [(m, raw, origin, now) for m, raw in raws.items()])
                db.execute("INSERT OR REPLACE INTO fetches VALUES (?, ?, ?, ?)",
                           (seed, origin, json.dumps(payload), now))
        except sqlite3.Error:
            return False
        return True

    def get_fetch(self, seed: str) -> tuple[str, dict[str, Any]] | None:
        """(origin, payload) stored by `put_fetch` for `seed`, or None."""
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT origin, payload FROM fetches WHERE seed = ?",
                             (seed,)).fetchone()
            return None if row is None else (str(row[0]), dict(json.loads(row[1])))
        except (sqlite3.Error, ValueError, TypeError):
            return None

    def get_messages(self, msgids: Iterable[str] | None = None) -> dict[str, bytes]:
        """Cached raw mails by Message-ID (all of them when `msgids` is None)."""
        db = self._connect()
        if db is None:
            return {}
        try:
            if msgids is None:
                rows = db.execute("SELECT msgid, raw FROM messages ORDER BY fetched, msgid")
                return {str(m): bytes(r) for m, r in rows}
            out: dict[str, bytes] = {}
            for mid in msgids:
                row = db.execute("SELECT raw FROM messages WHERE msgid = ?", (mid,)).fetchone()
                if row is not None:
                    out[mid] = bytes(row[0])
            return out
        except sqlite3.Error:
            return {}

    # Kernel facts of one tree (a "set", keyed by tree id and derivation
    # version): written whole in one transaction, so an interrupted
    # computation leaves nothing behind; read one function at a time.
    def put_tree_facts(self, facts: str, rows: Iterable[tuple[str, str, str]],
                       summary: dict[str, Any]) -> bool:
        """Store (name, scope, spec JSON) rows and the set's summary; False
        when the cache cannot be written."""
        db = self._connect()
        if db is None:
            return False
        try:
            with db:
                db.execute("DELETE FROM tree_facts WHERE facts = ?", (facts,))
                db.executemany("INSERT OR REPLACE INTO tree_facts VALUES (?, ?, ?, ?)",
                               ((facts, n, s, spec) for n, s, spec in rows))
                db.execute("INSERT OR REPLACE INTO tree_fact_sets VALUES (?, ?)",
                           (facts, json.dumps(summary)))
        except sqlite3.Error:
            return False
        return True

    def tree_facts_summary(self, facts: str) -> dict[str, Any] | None:
        """The summary stored with a complete set, or None."""
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT payload FROM tree_fact_sets WHERE facts = ?",
                             (facts,)).fetchone()
            return None if row is None else dict(json.loads(row[0]))
        except (sqlite3.Error, ValueError, TypeError):
            return None

    def tree_facts(self, facts: str, name: str) -> list[tuple[str, str]]:
        """(scope, spec JSON) of every entry for `name` in a set."""
        db = self._connect()
        if db is None:
            return []
        try:
            rows = db.execute("SELECT scope, spec FROM tree_facts WHERE facts = ? AND name = ?",
                              (facts, name)).fetchall()
            return [(str(s), str(spec)) for s, spec in rows]
        except sqlite3.Error:
            return []

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _delete(path: Path, _why: sqlite3.DatabaseError) -> None:
    """A damaged cache only ever saved time: start over."""
    for stale in sidecars(path):
        stale.unlink(missing_ok=True)
    with _NOTICES_LOCK:
        _NOTICES.append(f"the cache {path} was damaged and has been started anew")


def _finding(data: dict[str, object]) -> Finding:
    data = dict(data)
    data["severity"] = Severity(str(data["severity"]))
    data["level"] = Level(str(data["level"]))
    patches = data.get("patches")
    data["patches"] = tuple(patches) if isinstance(patches, list) else ()
    return Finding(**data)  # type: ignore[arg-type]
