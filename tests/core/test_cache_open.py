"""Caches opened at the same moment on a file that does not exist yet (the
TUI's child, a CLI run, threads of one run): every one of them gets the
database.  SQLite refused the switch to WAL at once ("locked") while another
connection was creating the file, and that run then went without a cache."""

from __future__ import annotations

import threading
from pathlib import Path

from reviewer.store.cache import ResultCache


def _put(cache: ResultCache, start: threading.Barrier, n: int) -> None:
    start.wait()
    cache.put(f"k{n}", "POL001", "diff", [])


def test_racing_first_opens_all_get_the_cache(tmp_path: Path) -> None:
    for trial in range(60):
        path = tmp_path / f"c{trial}.sqlite3"
        caches = [ResultCache(path) for _ in range(8)]
        start = threading.Barrier(len(caches))
        threads = [threading.Thread(target=_put, args=(c, start, n))
                   for n, c in enumerate(caches)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        reader = ResultCache(path)
        assert [reader.get(f"k{n}") for n in range(len(caches))] == [("diff", [])] * 8, trial


def test_racing_opens_of_a_corrupt_file_rebuild_it_once(tmp_path: Path) -> None:
    """Each opener finds garbage and starts over: a later one must not
    delete the database an earlier one has just rebuilt and written to."""
    for trial in range(30):
        path = tmp_path / f"c{trial}.sqlite3"
        path.write_bytes(b"this is not a database" * 100)
        caches = [ResultCache(path) for _ in range(8)]
        start = threading.Barrier(len(caches))
        threads = [threading.Thread(target=_put, args=(c, start, n))
                   for n, c in enumerate(caches)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        reader = ResultCache(path)
        assert [reader.get(f"k{n}") for n in range(len(caches))] == [("diff", [])] * 8, trial
