"""Review state: kept across restarts and concurrent processes (SQLite in
WAL mode), a damaged file moved aside with one line and a fresh start,
snoozes that end, a waiting series marked when a newer revision appears,
and the summary each check leaves for `reviewer list`."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mailfactory import mail, mbox

import reviewer
from reviewer.cli import main
from reviewer.model import ReviewState, Severity
from reviewer.store.state import ReviewStates, default_state_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state" / "state.sqlite3"
    monkeypatch.setenv("REVIEWER_STATE", str(path))
    return path


def _thread(tmp_path: Path, name: str, *versions: int, change_id: str = "",
            title: str = "ovl: set err before use") -> Path:
    """One patch per version, each a day later, with an optional change-id."""
    mails = []
    for v in versions:
        tag = f"PATCH v{v}" if v > 1 else "PATCH"
        mails.append(mail(f"[{tag}] {title}", msgid=f"{name}-v{v}@example.org",
                          date=f"Mon, 0{v} Mar 2024 10:00:00 +0000",
                          notes=f"change-id: {change_id}" if change_id else ""))
    return mbox(tmp_path, *mails).rename(tmp_path / f"{name}.mbox")


def _series(path: Path) -> reviewer.Series:
    (series,) = reviewer.open_source(path).series
    return series


def test_default_path_is_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch,
                                              isolated_env: Path) -> None:
    monkeypatch.delenv("REVIEWER_STATE", raising=False)
    assert default_state_path() == isolated_env / ".local/share/reviewer/state.sqlite3"


def test_state_survives_a_restart_and_is_wal(state_file: Path, tmp_path: Path) -> None:
    series = _series(_thread(tmp_path, "a", 1))
    first = ReviewStates()
    assert first.seen(series, "a.mbox").state is ReviewState.NEW
    first.set_state(series, "a.mbox", ReviewState.REVIEWING)
    first.close()
    again = ReviewStates()
    tracked = again.get(series)
    assert tracked is not None and tracked.state is ReviewState.REVIEWING
    assert tracked.key == "a-v1@example.org" and tracked.source == "a.mbox"
    again.close()
    db = sqlite3.connect(state_file)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_WORKER = """
import sys, time
import reviewer
from reviewer.model import ReviewState
from reviewer.store.state import ReviewStates
own, shared, rounds, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
mine = reviewer.open_source(own).series[0]
both = reviewer.open_source(shared).series[0]
time.sleep(max(0.0, start - time.time()))  # all together, once every one has started
for i in range(rounds):
    states = ReviewStates()  # a fresh open each time: runs start and stop
    states.record_check(mine, own, 1, [])
    states.set_state(both, shared, [ReviewState.REVIEWING, ReviewState.REPLIED][i % 2])
    states.set_state(mine, own, ReviewState.WAITING)
    states.close()
"""


def _run_workers(tmp_path: Path, processes: int, rounds: int) -> None:
    """`processes` runs of _WORKER, each on its own series and a shared one,
    started so that they all begin at the same moment."""
    shared = _thread(tmp_path, "shared", 1)
    own = [_thread(tmp_path, f"own{n}", 1, title=f"x{n}: change {n}") for n in range(processes)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = str(time.time() + 8)
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(path), str(shared),
                               str(rounds), start], env=env, stderr=subprocess.PIPE)
             for path in own]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()


def test_concurrent_processes_lose_nothing(state_file: Path, tmp_path: Path) -> None:
    _run_workers(tmp_path, 6, 12)
    states = ReviewStates()
    tracked = {t.key: t for t in states.all()}
    assert set(tracked) == {"shared-v1@example.org"} | {f"own{n}-v1@example.org"
                                                        for n in range(6)}
    for n in range(6):
        mine = tracked[f"own{n}-v1@example.org"]
        assert mine.state is ReviewState.WAITING and mine.summary is not None
    assert tracked["shared-v1@example.org"].state in (ReviewState.REVIEWING, ReviewState.REPLIED)
    db = sqlite3.connect(state_file)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_processes_opening_a_damaged_file_at_once_move_it_once(state_file: Path,
                                                                tmp_path: Path) -> None:
    """The first opener moves the file aside and starts afresh; the others
    find the fresh file (and their writes all land in it)."""
    state_file.parent.mkdir()
    garbage = b"garbage" * 500
    state_file.write_bytes(garbage)
    _run_workers(tmp_path, 5, 1)
    (moved,) = state_file.parent.glob("state.sqlite3.bad-*")
    assert moved.read_bytes() == garbage
    assert len(ReviewStates().all()) == 6


def test_a_damaged_file_is_moved_aside_with_one_line(state_file: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    state_file.parent.mkdir()
    garbage = b"not a database, but the user's bytes\n" * 200
    state_file.write_bytes(garbage)
    assert main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"series": []}
    (moved,) = state_file.parent.glob("state.sqlite3.bad-*")
    assert moved.read_bytes() == garbage
    assert err.count("\n") == 1 and err.startswith(f"reviewer: the review state {state_file} "
                                                   "was damaged (")
    assert err.rstrip().endswith(f"moved to {moved}, starting afresh")
    # the fresh file works, and a second run finds nothing to complain about
    assert main(["state", str(_thread(tmp_path, "a", 1)), "reviewing"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out)["series"][0]["state"] == "reviewing"


def test_a_file_of_another_schema_is_moved_but_a_newer_one_is_left(
        state_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file.parent.mkdir()
    other = sqlite3.connect(state_file)
    other.execute("CREATE TABLE series (name TEXT)")
    other.commit()
    other.close()
    states = ReviewStates()
    assert states.moved_aside is not None and "not the review state's" in states.moved_aside[1]
    states.close()
    newer = sqlite3.connect(state_file)
    newer.execute("PRAGMA user_version = 99")
    newer.commit()
    newer.close()
    before = state_file.read_bytes()
    assert main(["list"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"reviewer: cannot open the review state {state_file}: the review state was written "
        "by a newer reviewer (schema 99)")
    assert state_file.read_bytes() == before


def test_waiting_series_is_marked_when_a_newer_revision_appears(
        state_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v1 = _thread(tmp_path, "w", 1)
    assert main(["state", str(v1), "waiting"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["series"]
    assert (entry["state"], entry["newer_revision"], entry["latest_version"]) == ("waiting",
                                                                                  False, 1)
    both = _thread(tmp_path, "w", 1, 2)  # v2 arrives (same v1 Message-ID: the same series)
    assert main(["check", str(both)]) in (0, 1)
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["series"]
    assert (entry["state"], entry["newer_revision"], entry["latest_version"]) == ("waiting",
                                                                                  True, 2)
    assert entry["checked"]["version"] == 2
    assert main(["list"]) == 0
    assert "waiting, v2 is out" in capsys.readouterr().out


def test_a_listing_updates_tracked_series_only(state_file: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["revisions", str(_thread(tmp_path, "n", 1))]) == 0
    assert not state_file.exists()  # nothing tracked, nothing written
    assert main(["state", str(_thread(tmp_path, "w", 1)), "waiting"]) == 0
    assert main(["revisions", str(_thread(tmp_path, "other", 1, title="x: other"))]) == 0
    assert main(["revisions", str(_thread(tmp_path, "w", 1, 2)), "--json"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["series"]
    assert (entry["key"], entry["newer_revision"]) == ("w-v1@example.org", True)


def test_change_id_finds_the_series_from_a_later_revision_alone(
        state_file: Path, tmp_path: Path) -> None:
    states = ReviewStates()
    states.set_state(_series(_thread(tmp_path, "c1", 1, change_id="20240301-ovl-err")),
                     "c1", ReviewState.REPLIED)
    later = states.seen(_series(_thread(tmp_path, "c2", 2, change_id="20240301-ovl-err")), "c2")
    assert later.key == "20240301-ovl-err" and later.state is ReviewState.REPLIED
    assert later.latest_version == 2 and later.latest_msgid == "c2-v2@example.org"
    assert len(states.all()) == 1


def test_snooze_ends_in_the_state_before(state_file: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = _thread(tmp_path, "s", 1)
    assert main(["state", str(path), "reviewing"]) == 0
    assert main(["state", str(path), "--until", "+3d", "--json"]) == 0
    out = capsys.readouterr().out.split("\n{")[-1]
    entry = json.loads("{" + out)["series"][0]
    until = dt.date.today() + dt.timedelta(days=3)
    assert (entry["state"], entry["until"]) == ("snoozed", until.isoformat())
    tracked = ReviewStates().get(_series(path))
    assert tracked is not None
    assert tracked.current(until - dt.timedelta(days=1)) is ReviewState.SNOOZED
    assert tracked.current(until) is ReviewState.REVIEWING
    # snoozing again keeps what it will end in
    again = ReviewStates().set_state(_series(path), "s", ReviewState.SNOOZED,
                                     until + dt.timedelta(days=7))
    assert again.resume is ReviewState.REVIEWING


@pytest.mark.parametrize(("argv", "message"), [
    (["snoozed"], "reviewer: snoozed needs --until DATE"),
    (["--until", "tomorrow"], "reviewer: --until 'tomorrow': not a date (YYYY-MM-DD, +Nd or +Nw)"),
    (["reviewing", "--until", "+1d"], "reviewer: a date goes with `snoozed` and only with it"),
    (["reviewing", "--series", "2"], "reviewer: --series 2: SOURCE holds 1 series"),
])
def test_bad_state_arguments_are_one_line(state_file: Path, tmp_path: Path, argv: list[str],
                                          message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["state", str(_thread(tmp_path, "b", 1)), *argv]) == 2
    assert capsys.readouterr().err.strip() == message


def test_reply_and_check_leave_the_worst_finding(state_file: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    unsigned = mbox(tmp_path, mail("[PATCH] ovl: set err before use", msgid="u@example.org",
                                   signoff=None))
    assert main(["reply", str(unsigned), "v1", "-o", str(tmp_path / "r.eml")]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["series"]
    worst = entry["checked"]["worst"]
    assert worst["rule"] == "POL001" and worst["severity"] == Severity.ERROR.value
    assert entry["checked"]["counts"]["error"] >= 1


def test_an_unwritable_state_does_not_fail_a_check(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("REVIEWER_STATE", str(tmp_path / "afile" / "state.sqlite3"))
    assert main(["check", str(_thread(tmp_path, "u", 1)), "--format", "json"]) in (0, 1)
    out, err = capsys.readouterr()
    assert json.loads(out)["series"]
    assert err.startswith("reviewer: warning: cannot open the review state ")
    assert err.rstrip().endswith("; not recorded") and err.count("\n") == 1


def test_list_shows_the_trailers_given_to_the_latest_revision(
        state_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A·R·T of the latest revision, as `revisions` counts them; an older
    revision's replies do not count."""
    reply = mail("Re: [PATCH v2] ovl: set err before use", msgid="r2@example.org",
                 in_reply_to="t-v2@example.org", sender="Rita Reviewer <rita@example.org>",
                 date="Tue, 05 Mar 2024 10:00:00 +0000", signoff=None, diff="",
                 body="> Explain why\n\nReviewed-by: Rita Reviewer <rita@example.org>\n"
                      "Acked-by: Rita Reviewer <rita@example.org>\n")
    old = mail("Re: [PATCH] ovl: set err before use", msgid="r1@example.org",
               in_reply_to="t-v1@example.org", sender="Tom Tester <tom@example.org>",
               signoff=None, diff="", body="Tested-by: Tom Tester <tom@example.org>\n")
    path = _thread(tmp_path, "t", 1, 2)
    path.write_text(path.read_text() + "".join(
        f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m}\n" for m in (reply, old)))
    assert main(["state", str(path), "reviewing"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["series"]
    assert entry["trailers"] == {"acked": 1, "reviewed": 1, "tested": 0}
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "A·R·T" in out and "1·1·0" in out


def test_a_schema_1_state_gains_the_trailers_column_and_keeps_its_rows(
        state_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file.parent.mkdir()
    old = sqlite3.connect(state_file)
    old.executescript(
        "CREATE TABLE series (key TEXT PRIMARY KEY, title TEXT NOT NULL, state TEXT NOT NULL, "
        "until TEXT, resume TEXT, state_version INTEGER, latest_version INTEGER NOT NULL, "
        "latest_msgid TEXT NOT NULL, source TEXT NOT NULL, changed REAL NOT NULL, "
        "seen REAL NOT NULL, summary TEXT);"
        "CREATE TABLE aliases (alias TEXT PRIMARY KEY, key TEXT NOT NULL);"
        "INSERT INTO series VALUES ('k@example.org', 'x: old', 'replied', NULL, NULL, 1, 1, "
        "'k@example.org', 'old.mbox', 1.0, 1.0, NULL);"
        "PRAGMA user_version = 1;")
    old.close()
    assert main(["list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["series"]
    assert (entry["key"], entry["state"], entry["trailers"]) == ("k@example.org", "replied",
                                                                 None)
    assert main(["list"]) == 0 and "x: old" in capsys.readouterr().out
