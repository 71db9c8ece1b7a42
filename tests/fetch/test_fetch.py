"""`reviewer fetch` and Message-ID sources against a real public-inbox server
(tests/fetch/conftest.py): discovery of every revision, the cache, offline
re-runs and the one-line errors."""

from __future__ import annotations

import gzip
import json
import logging
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import REFERENCE_THREAD, need

from reviewer.cli import main
from reviewer.mail.fetch import Remote, parse_source, write_mbox
from reviewer.mail.mbox import split_mbox

SAMPLE_V1 = "20240304011200-ovl-neg-v1-1@sample.example.org"
REAL_V1 = "20200507011900.23523-1-cgxu519@mykernel.net"
CHANGE_ID_V1 = "20240110-ovl-fix-v1@sample.example.org"
CHANGE_ID_V2 = "20240801-ovl-fix-v2@sample.example.org"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def fetch_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, "fetch", *argv, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def revisions(data: dict[str, Any]) -> list[dict[str, Any]]:
    [series] = data["series"]
    return list(series["revisions"])


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2 and not out
    assert err.startswith("reviewer: ") and err.count("\n") == 1, err
    return err


def test_sample_every_revision_from_v1(public_inbox: Any, capsys: Any) -> None:
    data = fetch_json(capsys, SAMPLE_V1, "--lore", public_inbox.inbox("sample"))
    revs = revisions(data)
    assert [r["label"] for r in revs] == ["v1", "v2", "v3", "v4"]
    assert data["messages"] == 31 and not data["offline"] and not data["problems"]
    # b4's own search finds v2 (same subject); v3 and v4 changed their subject.
    assert [r["found_by"] for r in revs] == [
        "seed thread", "b4 subject+author search", "author+files search",
        "author+files search"]
    assert revs[0]["link"] is None
    for rev in revs[1:]:
        assert rev["link"]["reason"] == "author+subject+files"
        assert 0.5 < rev["link"]["confidence"] <= 1.0


def test_real_thread_every_revision_with_v4(public_inbox: Any, capsys: Any) -> None:
    need(REFERENCE_THREAD)
    data = fetch_json(capsys, REAL_V1, "--lore", public_inbox.inbox("real"))
    revs = revisions(data)
    assert [r["label"] for r in revs] == ["v1", "v2", "v3", "v4"]
    assert data["messages"] == 36
    v4 = revs[3]
    assert v4["subject"] == "[RFC PATCH v4] ovl: drop negative dentry in upper layer"
    assert v4["msgid"] == "20200526013557.11121-1-cgxu519@mykernel.net"
    # b4's subject+author search misses v4; the author+files search finds it.
    assert v4["found_by"] == "author+files search"
    assert v4["link"]["reason"] == "author+subject+files"
    assert 0.5 < v4["link"]["confidence"] < revs[1]["link"]["confidence"]


def test_change_id_finds_a_renamed_late_revision(public_inbox: Any, capsys: Any) -> None:
    data = fetch_json(capsys, CHANGE_ID_V1, "--lore", public_inbox.inbox("changeid"))
    revs = revisions(data)
    assert [(r["label"], r["msgid"]) for r in revs] == [("v1", CHANGE_ID_V1),
                                                        ("v2", CHANGE_ID_V2)]
    assert revs[1]["found_by"] == "b4 change-id search"
    assert revs[1]["link"]["reason"] == "change-id" and revs[1]["link"]["confidence"] == 1.0
    assert data["messages"] == 2  # not the same author's unrelated typo fix


def test_fetch_by_url_and_text_report(public_inbox: Any, capsys: Any, tmp_path: Path) -> None:
    url = f"{public_inbox.inbox('sample')}/{SAMPLE_V1}/"
    out_file = tmp_path / "series.mbox.gz"
    code, out, err = run(capsys, "fetch", url, "-o", str(out_file))
    assert code == 0, err
    assert f"31 messages of <{SAMPLE_V1}> from {public_inbox.inbox('sample')}" in out
    assert "found by author+files search; linked by author+subject+files (0." in out
    assert f"wrote {out_file} (31 messages)" in out
    assert gzip.decompress(out_file.read_bytes()).startswith(b"From mboxrd@z ")
    # The written mbox is an ordinary SOURCE.
    code, out, err = run(capsys, "revisions", str(out_file), "--json")
    assert code == 0, err
    [series] = json.loads(out)["series"]
    assert [r["label"] for r in series["revisions"]] == ["v1", "v2", "v3", "v4"]
    assert sum(len(r["replies"]) for r in series["revisions"]) == 18


def test_output_mbox_matches_fetch(public_inbox: Any, capsys: Any, tmp_path: Path) -> None:
    out_file = tmp_path / "t.mbox"
    data = fetch_json(capsys, SAMPLE_V1, "--lore", public_inbox.inbox("sample"),
                      "-o", str(out_file))
    code, out, err = run(capsys, "revisions", str(out_file), "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["messages"] == data["messages"] and not listed["problems"]
    [series] = listed["series"]
    first = [(r["patches"][0]["msgid"] if r["cover"] is None else r["cover"])
             for r in series["revisions"]]
    assert first == [r["msgid"] for r in revisions(data)]


def test_offline_rerun_from_cache(public_inbox: Any, capsys: Any, dead_port: int,
                                  cache_rows: Any, caplog: Any) -> None:
    online = fetch_json(capsys, SAMPLE_V1, "--lore", public_inbox.inbox("sample"))
    rows = cache_rows()
    assert len(rows["messages"]) == 31 and len(rows["fetches"]) == 1
    dead = f"http://127.0.0.1:{dead_port}/sample"
    for args in (("--lore", dead), ("--offline",)):
        offline = fetch_json(capsys, SAMPLE_V1, *args)
        assert offline["offline"] and offline["messages"] == 31
        assert offline["notes"][0].startswith("offline: using 31 cached messages")
        assert offline["series"] == online["series"]
    code, out, err = run(capsys, "fetch", SAMPLE_V1, "--lore", dead)
    assert code == 0 and "offline: using 31 cached messages (cannot reach" in err
    # Every command taking SOURCE takes a Message-ID, offline too.
    with caplog.at_level(logging.WARNING, logger="reviewer.mail.fetch"):
        code, out, err = run(capsys, "--lore", dead, "revisions", SAMPLE_V1, "--json")
    assert code == 0, err
    assert [r["label"] for r in json.loads(out)["series"][0]["revisions"]] == [
        "v1", "v2", "v3", "v4"]
    assert "offline: using 31 cached messages" in caplog.text
    assert cache_rows() == rows


def test_global_lore_option_for_revisions(public_inbox: Any, capsys: Any) -> None:
    code, out, err = run(capsys, "--lore", public_inbox.inbox("sample"), "revisions",
                         f"<{SAMPLE_V1}>", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == f"{public_inbox.inbox('sample')}/{SAMPLE_V1}"
    assert len(data["series"][0]["revisions"]) == 4


def test_b4_midmask_from_git_config(public_inbox: Any, capsys: Any) -> None:
    subprocess.run(["git", "config", "--global", "b4.midmask",
                    public_inbox.inbox("sample") + "/%s"], check=True)
    data = fetch_json(capsys, SAMPLE_V1)
    assert data["origin"] == public_inbox.inbox("sample")
    assert len(revisions(data)) == 4


def test_server_down_with_empty_cache(capsys: Any, dead_port: int, cache_rows: Any) -> None:
    err = one_line_error(*run(capsys, "fetch", SAMPLE_V1, "--lore",
                              f"http://127.0.0.1:{dead_port}/sample"))
    assert f"cannot reach http://127.0.0.1:{dead_port}/sample" in err
    assert "not in the cache" in err
    assert not cache_rows().get("messages")
    err = one_line_error(*run(capsys, "fetch", SAMPLE_V1, "--offline"))
    assert "offline (--offline)" in err


def test_timeout_is_one_line(capsys: Any) -> None:
    # Accepts connections (the kernel's backlog) but never answers.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
        subprocess.run(["git", "config", "--global", f"liblore.{origin}.requesttimeout",
                        "0.5"], check=True)
        err = one_line_error(*run(capsys, "fetch", SAMPLE_V1, "--lore", f"{origin}/x"))
    assert f"cannot reach {origin}/x (timed out)" in err


def test_unknown_msgid_is_404(public_inbox: Any, capsys: Any, cache_rows: Any) -> None:
    err = one_line_error(*run(capsys, "fetch", "no-such-mail@example.org", "--lore",
                              public_inbox.inbox("sample")))
    assert "<no-such-mail@example.org>: not found on" in err and "404" in err
    assert not cache_rows().get("messages")


@pytest.mark.parametrize(("data", "compress", "words"), [
    (b"\x1f\x8b\x08\x00garbage", False, "malformed t.mbox.gz"),
    (b"<html><body>Oops</body></html>\n", True, "malformed mbox"),
])
def test_malformed_answer_leaves_cache(public_inbox: Any, static_server: Any, capsys: Any,
                                       cache_rows: Any, data: bytes, compress: bool,
                                       words: str) -> None:
    fetch_json(capsys, SAMPLE_V1, "--lore", public_inbox.inbox("sample"))
    before = cache_rows()
    static_server.serve_thread("bad", SAMPLE_V1, data, compress)
    err = one_line_error(*run(capsys, "fetch", SAMPLE_V1, "--lore",
                              f"{static_server.url}/bad"))
    assert words in err
    assert cache_rows() == before


def test_archive_without_search(static_server: Any, capsys: Any, tmp_path: Path) -> None:
    # A plain file server has the thread but answers searches (POST) with 501.
    v1_thread = Path(__file__).resolve().parents[2] / "samples" / "thread.mbox"
    mbox = tmp_path / "v1.mbox"
    write_mbox(mbox, [r for r in split_mbox(v1_thread.read_bytes())
                      if b"v1-" in r.split(b"\n\n", 1)[0]])
    static_server.serve_thread("plain", SAMPLE_V1, mbox.read_bytes(), True)
    data = fetch_json(capsys, SAMPLE_V1, "--lore", f"{static_server.url}/plain")
    assert [r["label"] for r in revisions(data)] == ["v1"]
    assert data["messages"] == 4
    assert any("cannot search (HTTP 501)" in n for n in data["notes"])


def test_local_bad_gzip_is_one_line(capsys: Any, tmp_path: Path) -> None:
    bad = tmp_path / "thread.mbox.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    err = one_line_error(*run(capsys, "revisions", str(bad)))
    assert "corrupt gzip data" in err


@pytest.mark.parametrize(("text", "want"), [
    ("a.b@example.org", Remote("a.b@example.org", None)),
    ("<a.b@example.org>", Remote("a.b@example.org", None)),
    ("id:a.b@example.org", Remote("a.b@example.org", None)),
    ("CA+55aF/x=y@mail.gmail.com", Remote("CA+55aF/x=y@mail.gmail.com", None)),
    ("https://lore.kernel.org/linux-unionfs/a.b@example.org/",
     Remote("a.b@example.org", "https://lore.kernel.org/linux-unionfs")),
    ("https://lore.kernel.org/all/a%2Fb@example.org/T/#u",
     Remote("a/b@example.org", "https://lore.kernel.org/all")),
    ("https://lore.kernel.org/a.b@example.org", Remote("a.b@example.org",
                                                       "https://lore.kernel.org/all")),
    ("https://patch.msgid.link/a.b@example.org", Remote("a.b@example.org", None)),
    ("samples/thread.mbox", None),
    ("missing@host/thread.mbox", None),
    ("my@mail.mbox", None),
    ("https://example.org/no/msgid/here", None),
])
def test_parse_source(text: str, want: Remote | None) -> None:
    assert parse_source(text) == want
