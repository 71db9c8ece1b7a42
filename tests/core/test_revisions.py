"""Grouping revisions: the real reference thread (checked mail by mail
against its manifest) and small authored cases for each linking rule."""

from __future__ import annotations

import csv
import email
import email.policy
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from core.gitutil import diff_for, mail, mbox
from helpers import REFERENCE_THREAD, need

import reviewer
from reviewer import Revision


@pytest.fixture(scope="module")
def reference() -> tuple[reviewer.Opened, list[dict[str, str]]]:
    path = need(REFERENCE_THREAD)
    with open(path.parent / "manifest.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return reviewer.open_source(path), rows


def revisions(opened: reviewer.Opened) -> list[Revision]:
    return [r for s in opened.series for r in s.revisions]


def test_reference_four_revisions(reference: tuple[reviewer.Opened, list[dict[str, str]]]) -> None:
    opened, rows = reference
    assert len(opened.loaded.messages) == len(rows) == 36 and opened.loaded.problems == ()
    assert len(opened.series) == 1
    revs = revisions(opened)
    assert [r.version for r in revs] == [1, 2, 3, 4]
    assert [len(r.patches) for r in revs] == [1, 1, 9, 1]
    assert [r.cover is not None for r in revs] == [False, False, True, False]
    assert [len(r.replies) for r in revs] == [2, 5, 16, 0]
    assert all(r.rfc and not r.resend and r.complete for r in revs)
    assert [p.index for p in revs[2].patches] == list(range(1, 10))


def test_reference_changed_subjects_still_linked(
        reference: tuple[reviewer.Opened, list[dict[str, str]]]) -> None:
    revs = revisions(reference[0])
    assert revs[2].title == "Suppress negative dentry"
    assert revs[3].title == "ovl: drop negative dentry in upper layer"
    assert revs[0].link is None
    for rev in revs[1:]:
        assert rev.link is not None and rev.link.reason and rev.link.detail
        assert 0.0 <= rev.link.confidence <= 1.0


def _answered(rows: dict[str, dict[str, str]], msgid: str) -> str:
    """The patch or cover a reply descends from, by the manifest's In-Reply-To."""
    cur = rows[msgid]
    while cur["kind"] == "reply":
        cur = rows[cur["in_reply_to"]]
    return cur["message_id"]


def test_reference_every_mail_where_the_manifest_puts_it(
        reference: tuple[reviewer.Opened, list[dict[str, str]]]) -> None:
    opened, rows = reference
    by_id = {r["message_id"]: r for r in rows}
    revs = {r.version: r for r in revisions(opened)}
    seen: list[str] = []
    for row in rows:
        msgid, rev = row["message_id"], revs[int(row["revision"])]
        if row["kind"] == "cover":
            assert rev.cover is not None and rev.cover.msgid == msgid
        elif row["kind"] == "patch":
            k = int(row["patch_index"].split("/")[0])
            assert rev.patches[k - 1].msgid == msgid and rev.patches[k - 1].index == k
        else:
            reply = next((r for r in rev.replies if r.message.msgid == msgid), None)
            assert reply is not None, f"{msgid} not attached to v{rev.version}"
            answers = _answered(by_id, msgid)
            assert reply.answers == answers
            target = by_id[answers]
            k = 0 if target["kind"] == "cover" else int(target["patch_index"].split("/")[0])
            assert reply.patch_index == k
        seen.append(msgid)
    placed = [m.msgid for r in revs.values()
              for m in ([r.cover] if r.cover else []) + [p.message for p in r.patches]
              + [x.message for x in r.replies]]
    assert sorted(placed) == sorted(seen)  # nothing placed twice or invented
    counts = Counter((row["revision"], row["kind"]) for row in rows)
    assert {v: counts[(str(v), "reply")] for v in revs} == {1: 2, 2: 5, 3: 16, 4: 0}


def test_reference_patch_ids_match_git(
        reference: tuple[reviewer.Opened, list[dict[str, str]]]) -> None:
    for rev in revisions(reference[0]):
        for patch in rev.patches:
            msg = email.message_from_bytes(patch.message.raw, policy=email.policy.default)
            body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            out = subprocess.run(["git", "patch-id", "--stable"], input=body.encode(),
                                 capture_output=True, check=True).stdout.decode()
            assert patch.patch_id is not None and out.split()[0] == patch.patch_id


# -- authored cases -------------------------------------------------------------------

def day(n: int, hour: int = 10) -> str:
    return f"Mon, {n:02d} Jan 2024 {hour:02d}:00:00 +0000"


def opened_from(tmp_path: Path, *mails: bytes) -> reviewer.Opened:
    path = tmp_path / "t.mbox"
    path.write_bytes(mbox(*mails))
    return reviewer.open_source(path)


def test_unlabeled_is_v1_and_versions_ordered(tmp_path: Path) -> None:
    opened = opened_from(
        tmp_path,
        mail("v3@x", "[PATCH v3] foo: fix the frobnicator", diff=diff_for("foo.c"), date=day(9)),
        mail("v1@x", "[PATCH] foo: fix the frobnicator", diff=diff_for("foo.c"), date=day(1)),
        mail("v2@x", "[PATCH v2] foo: fix frobnicator locking", diff=diff_for("foo.c"),
             date=day(4)),
    )
    assert len(opened.series) == 1
    assert [(r.version, r.patches[0].msgid) for r in revisions(opened)] == [
        (1, "v1@x"), (2, "v2@x"), (3, "v3@x")]


def test_change_id_links_unlike_subjects(tmp_path: Path) -> None:
    cid = "\nchange-id: 20240101-frob-1234abcd\nbase-commit: 0123456789abcdef\n"
    opened = opened_from(
        tmp_path,
        mail("a@x", "[PATCH] foo: one thing", diff=diff_for("foo.c") + cid, date=day(1)),
        mail("b@x", "[PATCH v2] bar: something else entirely", diff=diff_for("bar.c") + cid,
             date=day(3)),
    )
    revs = revisions(opened)
    assert len(opened.series) == 1 and [r.version for r in revs] == [1, 2]
    assert revs[1].link is not None and revs[1].link.reason == "change-id"
    assert revs[1].link.confidence == 1.0
    assert revs[0].change_id == "20240101-frob-1234abcd"
    assert revs[0].base_commit == "0123456789abcdef"


def test_unrelated_series_stay_apart(tmp_path: Path) -> None:
    opened = opened_from(
        tmp_path,
        mail("a@x", "[PATCH] net: fix a leak in the receive path", diff=diff_for("net/rx.c"),
             date=day(1)),
        mail("b@x", "[PATCH] mm: tidy the slab allocator", diff=diff_for("mm/slab.c"),
             sender="Bob Other <bob@example.org>", date=day(1, 11)),
    )
    assert len(opened.series) == 2
    assert all(len(s.revisions) == 1 and s.revisions[0].link is None for s in opened.series)


def test_incomplete_revision_is_reported(tmp_path: Path) -> None:
    opened = opened_from(
        tmp_path,
        mail("c@x", "[PATCH 0/3] foo: three", date=day(1)),
        mail("p1@x", "[PATCH 1/3] foo: one", in_reply_to="c@x", references=["c@x"],
             diff=diff_for("a.c"), date=day(1)),
        mail("p3@x", "[PATCH 3/3] foo: three", in_reply_to="c@x", references=["c@x"],
             diff=diff_for("c.c"), date=day(1)),
    )
    rev = revisions(opened)[0]
    assert rev.expected == 3 and rev.missing == (2,) and not rev.complete
    assert [p.index for p in rev.patches] == [1, 3]


def test_reply_placed_by_references_when_in_reply_to_is_absent(tmp_path: Path) -> None:
    opened = opened_from(
        tmp_path,
        mail("c@x", "[PATCH 0/2] foo: two", date=day(1)),
        mail("p1@x", "[PATCH 1/2] foo: one", in_reply_to="c@x", references=["c@x"],
             diff=diff_for("a.c"), date=day(1)),
        mail("p2@x", "[PATCH 2/2] foo: two", in_reply_to="c@x", references=["c@x"],
             diff=diff_for("b.c"), date=day(1)),
        mail("r@x", "Re: [PATCH 2/2] foo: two", in_reply_to="not-here@x",
             references=["c@x", "p2@x", "not-here@x"], date=day(2),
             sender="Rita Reviewer <rita@example.org>"),
    )
    rev = revisions(opened)[0]
    assert [(r.message.msgid, r.answers, r.patch_index) for r in rev.replies] == [
        ("r@x", "p2@x", 2)]
