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
from core.gitutil import diff_for, mail, mbox, opened_from
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


# -- long series, the author's labels, re-posts and respins -----------------------

def month(n: int) -> str:
    return f"Mon, 01 {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug'][n]} 2024 10:00:00" \
           " +0000"


def posting(tag: str, key: str, date: str, n: int = 2, cover: str = "foo: rework the frob",
            sender: str = "Ann Author <ann@example.org>", **reply: str) -> list[bytes]:
    """A cover `[tag 0/n]` and n patches answering it."""
    head = f"{key}-0@x"
    mails = [mail(head, f"[{tag} 0/{n}] {cover}", date=date, sender=sender, **reply)]
    area = cover.split(":")[0]
    for k in range(1, n + 1):
        mails.append(mail(f"{key}-{k}@x", f"[{tag} {k}/{n}] {area}: step {k}", date=date,
                          sender=sender, in_reply_to=head, references=[head],
                          diff=diff_for(f"{area}{k}.c", new=f"new {key}")))
    return mails


def test_a_seven_month_gap_does_not_split_a_series(tmp_path: Path) -> None:
    opened = opened_from(tmp_path, *posting("PATCH", "a", month(0)),
                         *posting("PATCH v2", "b", month(7)))
    assert len(opened.series) == 1
    assert [(r.label, r.order) for r in opened.series[0].revisions] == [("v1", 1), ("v2", 2)]


def test_a_repost_keeps_the_authors_label(tmp_path: Path) -> None:
    """Posted twice as `[PATCH 0/2]`: both are v1, the second labelled apart."""
    opened = opened_from(tmp_path, *posting("PATCH", "a", month(0)),
                         *posting("PATCH", "b", month(3)),
                         *posting("RESEND PATCH", "c", month(4)))
    revs = opened.series[0].revisions
    assert [(r.version, r.label, r.order, r.resend) for r in revs] == [
        (1, "v1", 1, False), (1, "v1-repost", 2, False), (1, "v1-resend", 3, True)]
    assert opened.find("v1-repost")[1] is revs[1]
    series = opened.series[0]
    checked = reviewer.check_series(series, None, None, reviewer.Config(select=("POL007",)))
    assert not [f for r in checked for f in r.findings]  # no "subject has no version"


def test_another_change_with_the_same_version_is_another_series(tmp_path: Path) -> None:
    opened = opened_from(tmp_path, *posting("PATCH", "a", month(0)),
                         *posting("PATCH", "b", month(1), cover="bar: something else"))
    assert len(opened.series) == 2


def test_a_bot_command_titled_as_a_revision_is_none(tmp_path: Path) -> None:
    """`#syz test:` with a diff under `[PATCH v2]` asks syzbot to test it."""
    opened = opened_from(
        tmp_path,
        mail("v1@x", "[PATCH] foo: check the length", diff=diff_for("foo.c"), date=day(1)),
        mail("syz@x", "[PATCH v2] foo: check the length properly", in_reply_to="report@x",
             body="#syz test: git://git.example.org/linux.git master\n",
             diff=diff_for("foo.c", new="try"), date=day(2)),
        mail("v2@x", "[PATCH v2] foo: check the length properly", diff=diff_for("foo.c"),
             date=day(2, 11)),
    )
    (series,) = opened.series
    assert [(r.label, r.patches[0].msgid) for r in series.revisions] == [
        ("v1", "v1@x"), ("v2", "v2@x")]


def test_a_partial_respin_is_v4_dot_1(tmp_path: Path) -> None:
    """`[PATCH v2 2/3]` in reply to v4's 2/3 numbers the patch, not the
    series: it is v4.1 with v4's other patches carried over."""
    v4 = posting("PATCH v4", "d", month(2), n=3)
    respin = mail("r@x", "[PATCH v2 2/3] foo: step 2", date=month(3), in_reply_to="d-2@x",
                  references=["d-0@x", "d-2@x"], diff=diff_for("foo2.c", new="respun"))
    opened = opened_from(tmp_path, *posting("PATCH v3", "c", month(1), n=3), *v4, respin)
    (series,) = opened.series
    assert [(r.version, r.label, r.partial) for r in series.revisions] == [
        (3, "v3", False), (4, "v4", False), (4, "v4.1", True)]
    v41 = series.revision("v4.1")
    assert [p.msgid for p in v41.patches] == ["d-1@x", "r@x", "d-3@x"]
    assert v41.complete and v41.cover is None
    assert series.title == "foo: rework the frob"  # the last whole revision's


def test_the_same_person_from_a_new_address(tmp_path: Path) -> None:
    """v2 comes from a personal address; the in-body From: names the
    author of v1: one series."""
    v1 = mail("v1@x", "[PATCH] foo: fix the frobnicator", diff=diff_for("foo.c"), date=day(1),
              sender="Lin Author <lin@work.example>")
    v2 = mail("v2@x", "[PATCH v2] foo: fix the frobnicator", date=day(20),
              sender="someone@home.example", body="From: Lin Author <lin@work.example>\n\nWhy.\n",
              diff=diff_for("foo.c", new="newer"))
    (series,) = opened_from(tmp_path, v1, v2).series
    assert [r.label for r in series.revisions] == ["v1", "v2"]


def test_one_persons_unrelated_patches_stay_apart(tmp_path: Path) -> None:
    """Forty single patches by one author, each its own change (titles and
    files of their own): forty series, however close in time."""
    topics = ["frob", "knob", "widget", "gadget", "sprocket", "lever", "valve", "gear"]
    mails = [mail(f"m{i}@x", f"[PATCH] {topics[i % 8]}{i}: tidy the {topics[i % 8]} table {i}",
                  diff=diff_for(f"{topics[i % 8]}/part{i}.c", new=f"new {i}"), date=day(1 + i % 20))
             for i in range(40)]
    assert len(opened_from(tmp_path, *mails).series) == 40


def test_labels_name_revisions_on_the_command_line(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`compare SOURCE v4 v4.1`: the respun patch changed, the carried ones
    are the same; an unknown label is a one-line error."""
    import json

    from reviewer.cli import main

    respin = mail("r@x", "[PATCH v2 2/3] foo: step 2", date=month(3), in_reply_to="d-2@x",
                  references=["d-0@x", "d-2@x"], diff=diff_for("foo2.c", new="respun"))
    path = tmp_path / "t.mbox"
    path.write_bytes(mbox(*posting("PATCH v4", "d", month(2), n=3), respin))
    assert main(["compare", str(path), "v4", "v4.1", "--format", "json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["old"]["label"], data["new"]["label"]) == ("v4", "v4.1")
    assert (data["old"]["version"], data["new"]["version"]) == (4, 4)
    assert [(p["old"], p["new"], p["status"]) for p in data["pairs"]] == [
        (1, 1, "same"), (2, 2, "changed"), (3, 3, "same")]
    assert main(["compare", str(path), "v4", "v5"]) == 2
    assert capsys.readouterr().err.strip() == \
        "reviewer: no revision 'v5' in the thread (have: v4, v4.1)"
