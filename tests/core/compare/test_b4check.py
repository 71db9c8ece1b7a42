"""`reviewer b4-check` speaks b4 review's external check protocol: every
sample patch mail through the real command, and one through b4's own
runner (b4.review.checks.run_perpatch_checks)."""

from __future__ import annotations

import email
import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import b4
import pytest
from b4.review import checks as b4_checks

import reviewer

ROOT = Path(__file__).resolve().parents[3]
KEYS = {"tool", "status", "summary", "url", "details"}


@pytest.fixture(scope="module")
def patch_mails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """"v3-1" → the .eml of that mail, for every patch and cover of the sample."""
    _tree, mbox = reviewer.write_sample(tmp_path_factory.mktemp("sample"))
    mails = tmp_path_factory.mktemp("mails")
    out: dict[str, Path] = {}
    for msg in mailbox.mbox(str(mbox)):
        msgid = str(msg["Message-ID"])
        if "ovl-neg-v" not in msgid:
            continue  # a reply
        key = msgid.split("ovl-neg-")[1].split("@")[0]
        out[key] = mails / f"{key}.eml"
        out[key].write_bytes(msg.as_bytes())
    return out


def _run(path: Path) -> list[dict[str, str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with path.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "reviewer.cli", "b4-check"], stdin=stdin,
                              capture_output=True, env=env, cwd=path.parent, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert isinstance(data, list)
    return data


def _by_tool(results: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["tool"]: r for r in results}


def test_every_sample_patch(patch_mails: dict[str, Path]) -> None:
    assert len(patch_mails) == 13  # v1, v2, v4: one patch each; v3: cover and nine
    for key, path in sorted(patch_mails.items()):
        results = _run(path)
        if key == "v3-0":
            assert results == [], "a cover letter holds no diff"
            continue
        assert [r["tool"] for r in results] == ["reviewer/policy", "reviewer/race"], key
        for r in results:
            assert set(r) == KEYS and r["status"] in ("pass", "warn", "fail"), (key, r)
            assert all(isinstance(v, str) for v in r.values())
            for entry in json.loads(r["details"]) if r["details"] else []:
                assert {"status", "state", "context", "description"} <= set(entry)
        race = _by_tool(results)["reviewer/race"]
        # v1 unhashes with no lock at all; v2 holds the parent's inode lock, v4 d_lock.
        assert race["status"] == ("fail" if key == "v1-1" else "pass"), (key, race)


def test_v1_race_details(patch_mails: dict[str, Path]) -> None:
    race = _by_tool(_run(patch_mails["v1-1"]))["reviewer/race"]
    details = json.loads(race["details"])
    assert {d["context"] for d in details} >= {"RACE001", "RACE003"}
    assert all(d["status"] == "fail" and d["state"] == "error" for d in details)
    assert "fs/overlayfs/namei.c:" in details[0]["description"]
    assert race["summary"].endswith("errors")


def test_skipped_rules_are_listed_as_pass(patch_mails: dict[str, Path]) -> None:
    policy = _by_tool(_run(patch_mails["v4-1"]))["reviewer/policy"]
    assert policy["status"] == "pass" and "skipped" in policy["summary"]
    skipped = json.loads(policy["details"])
    assert {d["context"] for d in skipped} == {"POL005", "POL008"}  # both need a tree
    assert all(d["status"] == "pass" and d["state"] == "skipped" for d in skipped)


def test_through_b4s_own_runner(patch_mails: dict[str, Path], tmp_path: Path) -> None:
    raw = patch_mails["v1-1"].read_bytes()
    msg = email.message_from_bytes(raw, policy=b4.emlpolicy)
    cmd = f"{sys.executable} -m reviewer.cli b4-check"
    got = b4_checks.run_perpatch_checks([("v1", msg)], [cmd], str(tmp_path),
                                        extra_env={"PYTHONPATH": str(ROOT)})
    assert {r["tool"]: r["status"] for r in got["v1"]} == {"reviewer/policy": "pass",
                                                          "reviewer/race": "fail"}


def test_what_is_no_patch_gives_no_result() -> None:
    assert reviewer.b4_results(b"\xff\xfe not a mail", reviewer.Config()) == []


def test_a_mail_b4_cannot_read_is_one_failed_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("no headers")

    monkeypatch.setattr("reviewer.output.b4check.to_message", broken)
    (entry,) = reviewer.b4_results(b"x", reviewer.Config())
    assert entry["tool"] == "reviewer" and entry["status"] == "fail"
    assert "no headers" in entry["summary"]


def test_selection_limits_the_families() -> None:
    raw = b"Subject: [PATCH] ovl: x\n\nWhy.\n---\ndiff --git a/x.c b/x.c\n@@ -1 +1 @@\n-a\n+b\n"
    (entry,) = reviewer.b4_results(raw, reviewer.Config(select=("POL001",)))
    assert entry["tool"] == "reviewer/policy" and entry["status"] == "fail"
    assert json.loads(entry["details"])[0]["context"] == "POL001"
