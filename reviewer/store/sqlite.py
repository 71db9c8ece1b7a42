"""Opening the store's SQLite files (the cache, the review state) safely.

Both are WAL databases that several processes use at once (a CLI run, the
TUI and its child, threads of one run).  Opening one is done under a lock
shared by threads and processes (`flock` on a `.lock` file beside it), so
that when a file turns out damaged exactly one opener deals with it (the
cache deletes it, the review state moves it aside) and every later opener
checks the file that replaced it instead of removing that one too.
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOCK_TIMEOUT_S", "open_db", "sidecars"]

LOCK_TIMEOUT_S = 10.0


def sidecars(path: Path) -> tuple[Path, Path, Path]:
    """The database and the files SQLite keeps beside it in WAL mode."""
    return path, Path(f"{path}-wal"), Path(f"{path}-shm")


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with open(f"{path}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL unless already done.  The switch needs the database to
    itself and SQLite answers "locked" at once, without waiting out the busy
    timeout, while another connection is creating the file: wait here
    instead."""
    deadline = time.monotonic() + LOCK_TIMEOUT_S
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _connect(path: Path, schema: str,
             validate: Callable[[sqlite3.Connection], None] | None) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, check_same_thread=False)
    try:
        _use_wal(db)
        db.executescript(schema)
        # A cut or damaged file often still opens: read every page once.
        if db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("database disk image is malformed")
        if validate is not None:
            validate(db)
    except BaseException:
        db.close()
        raise
    return db


def open_db(path: Path, schema: str, on_damaged: Callable[[Path, sqlite3.DatabaseError], None],
            validate: Callable[[sqlite3.Connection], None] | None = None) -> sqlite3.Connection:
    """The database at `path` (created when absent) in WAL mode with
    `schema` applied.  A damaged file (not a database, malformed, or refused
    by `validate` with sqlite3.DatabaseError) is handed to `on_damaged` with
    the error, which must take it away, and a fresh one is created.  Raises
    sqlite3.OperationalError when locked past the timeout or read-only, and
    OSError when the directory cannot be written or `path` is not a
    regular file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path):
        try:
            return _connect(path, schema, validate)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            # Never a device or a link that $REVIEWER_CACHE/$REVIEWER_STATE names.
            if path.is_symlink() or not path.is_file():
                raise OSError(f"{path} is not a regular file") from None
            on_damaged(path, exc)
            return _connect(path, schema, validate)
