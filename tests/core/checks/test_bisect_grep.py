"""POL012's base grep runs once for all the revisions of a series, whichever
check worker asks first: the others wait for its turn to end and read the
files it kept in the shared cache (store.cache.Turn)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from core.gitutil import init_repo

from reviewer.checks.policy import bisect
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

FILES = {
    "fs/a.c": "int f(void) { return lookup_thing(1); }\n",
    "fs/b.c": "void g(void) { other_thing(); }\n",
    "fs/c.c": "void h(void) { }\n",
}
NAMES = ("lookup_thing", "other_thing")
FOUND = ["fs/a.c", "fs/b.c"]


@pytest.fixture
def greps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The names of every git grep started (the real one runs)."""
    started: list[tuple[str, ...]] = []
    real = bisect.grep_files_async

    def counted(repo: GitRepo, commit: str, words: list[str],
                globs: tuple[str, ...]) -> Callable[[], list[str]]:
        started.append(tuple(words))
        return real(repo, commit, words, globs)

    monkeypatch.setattr(bisect, "grep_files_async", counted)
    return started


def test_the_second_asker_waits_for_the_first_grep_and_reads_its_files(
        tmp_path: Path, greps: list[tuple[str, ...]]) -> None:
    base = init_repo(tmp_path / "t", FILES)
    repo, store = GitRepo(tmp_path / "t"), tmp_path / "store.sqlite3"
    first = bisect._shared_grep(repo, base, NAMES, store)
    # Another worker (its own lock file handle: flock excludes it like a process).
    second = bisect._shared_grep(repo, base, NAMES, store)
    got: list[list[str]] = []
    waiting = threading.Thread(target=lambda: got.append(second()))
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive() and not got  # blocked on the first one's turn
    assert first() == FOUND
    waiting.join(10)
    assert got == [FOUND]
    assert greps == [NAMES]  # one grep for both
    # A later run on the same cache greps nothing.
    assert bisect._shared_grep(repo, base, NAMES, store)() == FOUND
    assert greps == [NAMES]


def test_a_turn_that_ends_without_files_leaves_the_grep_to_the_waiter(
        tmp_path: Path, greps: list[tuple[str, ...]]) -> None:
    base = init_repo(tmp_path / "t", FILES)
    repo, store = GitRepo(tmp_path / "t"), tmp_path / "store.sqlite3"
    turn = ResultCache(store).turn("grep")
    assert turn.take(block=False)  # a worker that then dies (its grep killed)
    second = bisect._shared_grep(repo, base, NAMES, store)
    assert greps == []
    turn.release()
    assert second() == FOUND
    assert greps == [NAMES]


def test_without_a_cache_each_process_greps_for_itself(
        tmp_path: Path, greps: list[tuple[str, ...]]) -> None:
    base = init_repo(tmp_path / "t", FILES)
    assert bisect._shared_grep(GitRepo(tmp_path / "t"), base, NAMES, None)() == FOUND
    assert greps == [NAMES]


def test_a_turn_is_exclusive_until_released(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c.sqlite3")
    one, two = cache.turn("x"), cache.turn("x")
    assert one.take(block=False)
    assert not two.take(block=False)
    other = cache.turn("other")
    assert other.take(block=False)  # another purpose, another turn
    other.release()
    one.release()
    assert two.take(block=False)
    two.release()
