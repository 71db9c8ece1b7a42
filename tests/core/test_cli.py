"""The CLI: JSON shapes (docs/json.md) and bad input → exit 2 with one line
on stderr, never a traceback."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from core.gitutil import SeriesRepo, diff_for, init_repo, mail, mbox, reviewer_refs

from reviewer.cli import main

ROOT = Path(__file__).resolve().parents[2]
REPLY = mail("reply@example.org", "Re: [PATCH v2 2/3] b: rework the bottom of b",
             sender="Rita Reviewer <rita@example.org>", date="Mon, 12 Feb 2024 10:00:00 +0000",
             body="> +b line 30 (v2)\n\nWhy thirty?\n\nReviewed-by: Rita Reviewer "
                  "<rita@example.org>\n")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_revisions_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = SeriesRepo(tmp_path)
    v2_patch2 = next(str(m["Message-Id"]).strip("<>") for m in mailbox.mbox(series.based)
                     if str(m["Subject"]).startswith("[PATCH v2 2/3]"))
    path = tmp_path / "with-reply.mbox"
    reply = REPLY.replace(b"Subject:", f"In-Reply-To: <{v2_patch2}>\nSubject:".encode())
    path.write_bytes(series.based.read_bytes() + mbox(reply))
    code, out, err = run(capsys, "revisions", str(path), "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) >= {"source", "messages", "problems", "missing_parents", "series"}
    assert data["messages"] == 9 and data["problems"] == [] and data["missing_parents"] == []
    assert len(data["series"]) == 1 and set(data["series"][0]) >= {"title", "revisions"}
    revs: list[dict[str, Any]] = data["series"][0]["revisions"]
    assert [r["version"] for r in revs] == [1, 2] and [r["label"] for r in revs] == ["v1", "v2"]
    for rev in revs:
        assert set(rev) >= {"version", "label", "rfc", "resend", "title", "cover", "expected",
                            "missing", "duplicates", "base_commit", "change_id", "link",
                            "patches", "replies", "trailers"}
        assert rev["rfc"] is False and rev["expected"] == 3 and rev["missing"] == []
        assert rev["base_commit"] == series.base and rev["title"] == "demo: rework a, b and c"
        assert rev["cover"].startswith(f"cover-v{rev['version']}.")
        for patch in rev["patches"]:
            assert set(patch) >= {"index", "total", "msgid", "subject", "author", "files",
                                  "patch_id"}
            assert patch["author"] == "Ann Author <ann@example.org>"
            assert isinstance(patch["files"], list) and len(patch["patch_id"]) == 40
    assert revs[0]["link"] is None
    assert set(revs[1]["link"]) == {"reason", "confidence", "detail"}
    assert 0 <= revs[1]["link"]["confidence"] <= 1
    assert [p["files"] for p in revs[1]["patches"]] == [["a.c"], ["b.c"], ["src/c.c"]]
    assert revs[0]["replies"] == []
    (reply_json,) = revs[1]["replies"]
    assert reply_json == {"msgid": "reply@example.org",
                          "from": "Rita Reviewer <rita@example.org>",
                          "date": "2024-02-12T10:00:00+00:00", "answers": v2_patch2, "patch": 2}
    assert revs[0]["trailers"] == {"acked": 0, "reviewed": 0, "tested": 0, "given": [],
                                   "carried": []}
    assert revs[1]["trailers"] == {
        "acked": 0, "reviewed": 1, "tested": 0,
        "given": [{"name": "Reviewed-by", "who": "Rita Reviewer <rita@example.org>",
                   "msgid": "reply@example.org", "version": 2, "patch": 2, "condition": ""}],
        "carried": [{"msgid": "reply@example.org", "name": "Reviewed-by",
                     "who": "Rita Reviewer <rita@example.org>", "old_patch": 2,
                     "new_patch": None, "status": "no-next-revision"}]}
    code, out, err = run(capsys, "revisions", str(path))
    assert "A·R·T" in out and "0·1·0" in out
    code, out, err = run(capsys, "check", str(path), "--select", "POL020", "--format", "json")
    checked = json.loads(out)["series"][0]["revisions"]
    assert [r["trailers"]["reviewed"] for r in checked] == [0, 1]
    code, out, err = run(capsys, "check", str(path), "--select", "POL020")
    assert "A·R·T given in replies" in out and "0·1·0" in out


def test_revisions_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = SeriesRepo(tmp_path)
    code, out, err = run(capsys, "revisions", str(series.plain))
    assert code == 0 and err == ""
    assert "v1" in out and "v2" in out and "demo: rework a, b and c" in out


def test_apply_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = SeriesRepo(tmp_path)
    code, out, err = run(capsys, "apply", str(series.plain), "--tree", str(series.repo),
                         "--json", "--base", "main")
    assert code == 1 and err == ""  # v1 does not apply
    (s,) = json.loads(out)["series"]
    v1, v2 = s["revisions"]
    for rev in (v1, v2):
        assert set(rev) >= {"version", "applied", "base", "ref", "tip", "error", "patches",
                            "advice"}
        assert rev["base"] == {
            "commit": series.head, "source": "--base", "name": "main",
            "evidence": "--base main (given; 1/3 pre-images there)",
            "reason": "using --base main (given; 1/3 pre-images there)",
            "blobs": {"matched": 1, "total": 3}, "release": None}
        assert rev["ref"] in reviewer_refs(series.repo) and rev["error"] is None
    assert v1["applied"] is False and v2["advice"] == []
    assert v1["advice"] == [
        "--base main does not fit: give the tree the series was written on",
        "--fuzzy retries with less context (what applies so is marked approximate)"]
    assert [p["status"] for p in v1["patches"]] == ["applied", "failed", "not-tried"]
    assert v1["patches"][1]["failure"]["file"] == "b.c"
    assert v1["patches"][1]["failure"]["hunk"] == 1 and v1["patches"][1]["failure"]["line"] == 2
    assert [p["status"] for p in v2["patches"]] == ["applied", "applied-3way", "already-applied"]
    assert v2["applied"] is True and v2["tip"] == reviewer_refs(series.repo)[v2["ref"]]


def _bad_input(tmp_path: Path, case: str) -> list[str]:
    good = tmp_path / "good.mbox"
    good.write_bytes(mbox(mail("p@example.org", "[PATCH] foo: bar", diff=diff_for("a.c"))))
    if case == "missing file":
        return ["revisions", str(tmp_path / "nowhere.mbox")]
    if case == "missing file (apply)":
        init_repo(tmp_path / "repo", {"a.c": "old\n"})
        return ["apply", str(tmp_path / "nowhere.mbox"), "--tree", str(tmp_path / "repo")]
    if case == "not a mailbox":
        (tmp_path / "notes.txt").write_text("just some notes\nnothing else\n")
        return ["revisions", str(tmp_path / "notes.txt")]
    if case == "no patches":
        (tmp_path / "replies.mbox").write_bytes(mbox(REPLY))
        return ["revisions", str(tmp_path / "replies.mbox")]
    if case == "tree not a git repo":
        (tmp_path / "plain").mkdir()
        return ["apply", str(good), "--tree", str(tmp_path / "plain")]
    if case == "tree missing":
        return ["apply", str(good), "--tree", str(tmp_path / "no-such-tree")]
    if case == "unknown --base":
        init_repo(tmp_path / "repo", {"a.c": "old\n"})
        return ["apply", str(good), "--tree", str(tmp_path / "repo"), "--base", "v99.9"]
    raise AssertionError(case)


CASES = ["missing file", "missing file (apply)", "not a mailbox", "no patches",
         "tree not a git repo", "tree missing", "unknown --base"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exit_2_one_line(tmp_path: Path, case: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    argv = _bad_input(tmp_path, case)
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == "" and "Traceback" not in err and err.startswith("reviewer: ")
    if (tmp_path / "repo").exists():
        assert reviewer_refs(tmp_path / "repo") == {}
    assert_one_line(err)


def assert_one_line(err: str) -> None:
    """One line, also when longer than 80 columns (tmp paths are long)."""
    assert len(err.splitlines()) == 1 and len(err) > 80, err


def test_bad_input_real_process(tmp_path: Path) -> None:
    """As a user runs it: a separate process, nothing caught by pytest."""
    argv = _bad_input(tmp_path, "not a mailbox")
    proc = subprocess.run([sys.executable, "-m", "reviewer.cli", *argv], cwd=tmp_path,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("reviewer: ")
    assert "not a mailbox" in proc.stderr.replace("\n", " ")
    assert_one_line(proc.stderr)


def test_piped_text_is_not_hard_wrapped(tmp_path: Path) -> None:
    """A CI log or `| grep` gets each finding on one line, however long, and
    the legend of the table's symbols."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "reviewer.cli"]
    subprocess.run([*cli, "sample", str(tmp_path / "s")], check=True, capture_output=True,
                   env=env)
    proc = subprocess.run([*cli, "check", str(tmp_path / "s" / "thread.mbox"), "--tree",
                           str(tmp_path / "s" / "tree"), "--no-cache"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr  # the sample's v1 bug is an error
    lines = proc.stdout.splitlines()
    race = [line for line in lines if " RACE001 [error] " in line]
    assert race and all(line.endswith("(tree)") and len(line) > 140 for line in race), race
    assert any(line.startswith("· no finding;") and "A·R·T: Acked-by·Reviewed-by·Tested-by"
               in line for line in lines)
