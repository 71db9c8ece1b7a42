"""Which version a posting is when its subject does not say, which mails
make up a posting, and one revision sent twice: small authored threads."""

from __future__ import annotations

import json
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest
from core.gitutil import diff_for, mail, opened_from

import reviewer
from reviewer.cli import main
from reviewer.mail.intent import stated_version


def day(n: int, minute: int = 0) -> str:
    return f"Mon, {n:02d} Jan 2024 10:{minute:02d}:00 +0000"


def labels(opened: reviewer.Opened) -> list[list[str]]:
    return [[r.label for r in s.revisions] for s in opened.series]


def single(msgid: str, tag: str, when: str, new: str, notes: str = "") -> bytes:
    """A one-patch posting of the frob fix; `notes` go below '---'."""
    diff = diff_for("drivers/frob.c", "frob_reset(dev);", new)
    return mail(msgid, f"[{tag}] frob: reset the device once", date=when,
                diff=(notes + "\n" if notes else "") + diff)


@pytest.mark.parametrize(("text", "version"), [
    ("Changes since v2:\n- drop the lock\n", 3),
    ("v2 -> v3: drop the lock\n", 3),
    ("v3:\n - drop the lock\nv2:\n - take the lock\n", 3),
    ("Changes in v4\n- rebased\n", 4),
    ("v1: https://lore.example.org/all/1234@example.org/\n", 2),
    ("- Link to v2: https://lore.example.org/r/5678@example.org\n", 3),
    ("Tested since v6.1 on arm64; v5.10 needs another fix.\n", None),
    ("No notes worth a version here.\n", None),
])
def test_the_version_notes_state(text: str, version: int | None) -> None:
    assert stated_version(text) == version


def test_a_third_posting_without_a_version_is_v3(tmp_path: Path) -> None:
    """v1 `[PATCH]`, v2, then `[PATCH 0/2]` with a new prep patch and no
    changelog: the third revision, not a re-post of v1."""
    third = [mail("c3@x", "[PATCH 0/2] frob: reset the device once", date=day(9),
                  body="A prep patch, then the fix.\n"),
             mail("p31@x", "[PATCH 1/2] frob: make frob_reset() take a const", date=day(9, 1),
                  in_reply_to="c3@x", references=["c3@x"],
                  diff=diff_for("drivers/frob_core.c", "int frob_reset(struct frob *f)",
                                "int frob_reset(const struct frob *f)")),
             mail("p32@x", "[PATCH 2/2] frob: reset the device once", date=day(9, 2),
                  in_reply_to="c3@x", references=["c3@x"],
                  diff=diff_for("drivers/frob.c", "frob_reset(dev);", "frob_reset_once(dev, 2);"))]
    opened = opened_from(tmp_path, single("v1@x", "PATCH", day(1), "frob_reset_once(dev);"),
                         single("v2@x", "PATCH v2", day(3), "frob_reset_once(dev, 1);"), *third)
    (series,) = opened.series
    assert [(r.label, r.version, r.order) for r in series.revisions] == [
        ("v1", 1, 1), ("v2", 2, 2), ("v3", 3, 3)]
    v3 = series.revision("v3")
    assert v3.cover is not None and v3.cover.msgid == "c3@x"
    assert series.revisions[0].link is None and v3.link is not None


def test_the_notes_name_the_version(tmp_path: Path) -> None:
    """`[PATCH]` whose notes say "Changes since v2" is v3, even with the
    v2 missing from the archive."""
    opened = opened_from(
        tmp_path, single("v1@x", "PATCH", day(1), "frob_reset_once(dev);"),
        single("v3@x", "PATCH", day(9), "frob_reset_once(dev, 2);",
               notes="Changes since v2:\n- pass the count"))
    assert labels(opened) == [["v1", "v3"]]


def test_the_same_patch_again_after_v2_is_a_v2_repost(tmp_path: Path) -> None:
    opened = opened_from(tmp_path, single("v1@x", "PATCH", day(1), "frob_reset_once(dev);"),
                         single("v2@x", "PATCH v2", day(3), "frob_reset_once(dev, 1);"),
                         single("again@x", "PATCH", day(20), "frob_reset_once(dev, 1);"))
    assert labels(opened) == [["v1", "v2", "v2-repost"]]


def test_a_v1_dated_after_v2_stays_v1(tmp_path: Path) -> None:
    """Without an earlier v1, the unnumbered posting is the v1 whatever its
    Date says (a clock set wrong)."""
    opened = opened_from(tmp_path, single("v2@x", "PATCH v2", day(3), "frob_reset_once(dev, 1);"),
                         single("v1@x", "PATCH", day(5), "frob_reset_once(dev);"))
    assert labels(opened) == [["v1", "v2"]]


def review(msgid: str, parent: str, when: str) -> bytes:
    return mail(msgid, "Re: [PATCH v5] frob: reset the device once", in_reply_to=parent,
                references=[parent], date=when, sender="Rae Viewer <rae@example.org>",
                body="> frob_reset_once(dev, 5);\n\nReviewed-by: Rae Viewer <rae@example.org>\n")


def test_one_revision_sent_twice_is_one(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """v5 sent twice a minute apart, the replies to the second: one v5, the
    first send named in `also_sent`.  Two sends nobody answered stay two."""
    v4 = single("v4@x", "PATCH v4", day(1), "frob_reset_once(dev, 4);")
    first = single("v5a@x", "PATCH v5", day(2, 0), "frob_reset_once(dev, 5);")
    second = single("v5b@x", "PATCH v5", day(2, 1), "frob_reset_once(dev, 5);")
    opened = opened_from(tmp_path, v4, first, second, review("r@x", "v5b@x", day(3)))
    (series,) = opened.series
    assert [r.label for r in series.revisions] == ["v4", "v5"]
    v5 = series.revision("v5")
    assert v5.patches[0].msgid == "v5b@x" and v5.also_sent == ("v5a@x",)
    assert [r.message.msgid for r in v5.replies] == ["r@x"]
    assert main(["revisions", str(tmp_path / "t.mbox"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["series"][0]["revisions"]
    assert [r["also_sent"] for r in out] == [[], ["v5a@x"]]
    assert main(["revisions", str(tmp_path / "t.mbox")]) == 0
    assert "v5: also sent as v5a@x" in capsys.readouterr().out

    unanswered = opened_from(tmp_path, v4, first, second)
    assert labels(unanswered) == [["v4", "v5", "v5-repost"]]


def test_a_patch_attached_to_a_reply_is_no_posting(tmp_path: Path) -> None:
    """"Updated patch attached" in a reply: discussion, not a revision
    (as a diff written inline in a reply is not)."""
    v1 = single("v1@x", "PATCH", day(1), "frob_reset_once(dev);")
    carrier = MIMEMultipart()
    carrier.attach(MIMEText("Does the attached one work better?\n", "plain", "utf-8"))
    attached = mail("", "[PATCH v2] frob: reset the device once", date=day(2),
                    diff=diff_for("drivers/frob.c", "frob_reset(dev);", "frob_reset_once(dev, 1);"))
    part = MIMEText(attached.decode(), "x-patch", "utf-8")  # headers first, as an .eml
    part["Content-Disposition"] = 'attachment; filename="0001-frob.patch"'
    carrier.attach(part)
    for key, value in (("From", "Ann Author <ann@example.org>"), ("Date", day(2)),
                       ("Subject", "Re: [PATCH] frob: reset the device once"),
                       ("Message-ID", "<att@x>"), ("In-Reply-To", "<v1@x>"),
                       ("References", "<v1@x>")):
        carrier[key] = value
    opened = opened_from(tmp_path, v1, carrier.as_bytes())
    (series,) = opened.series
    assert [r.label for r in series.revisions] == ["v1"]
    assert "att@x" in [r.message.msgid for r in series.revisions[0].replies]


def test_a_signed_off_patch_that_also_asks_syzbot_is_a_revision(tmp_path: Path) -> None:
    """`#syz test` inside a real commit message (signed off) is a
    submission; `#syz test:` heading a bare diff asks the bot only."""
    real = mail("v1@x", "[PATCH] frob: reset the device once", date=day(1),
                body="The reproducer resets twice.\n\n#syz test\n",
                diff=diff_for("drivers/frob.c", "frob_reset(dev);", "frob_reset_once(dev);"))
    ask = mail("syz@x", "[PATCH v2] frob: reset the device once", date=day(2),
               body="#syz test: git://git.example.org/linux.git master\n",
               diff=diff_for("drivers/frob.c", "frob_reset(dev);", "frob_try(dev);"))
    assert labels(opened_from(tmp_path, real, ask)) == [["v1"]]


def test_a_0_of_1_cover_holds_its_patch(tmp_path: Path) -> None:
    opened = opened_from(
        tmp_path, mail("c@x", "[PATCH 0/1] frob: reset the device once", date=day(1)),
        mail("p@x", "[PATCH 1/1] frob: reset the device once", date=day(1, 1),
             in_reply_to="c@x", references=["c@x"], diff=diff_for("drivers/frob.c")))
    ((rev,),) = [s.revisions for s in opened.series]
    assert rev.cover is not None and rev.cover.msgid == "c@x"
    assert [p.msgid for p in rev.patches] == ["p@x"] and rev.complete


def test_patches_of_an_absent_cover_are_one_posting(tmp_path: Path) -> None:
    """The archive lacks the cover letter both patches answer."""
    opened = opened_from(
        tmp_path,
        mail("p1@x", "[PATCH 1/2] frob: one", date=day(1, 1), in_reply_to="gone@x",
             references=["gone@x"], diff=diff_for("drivers/frob.c")),
        mail("p2@x", "[PATCH 2/2] frob: two", date=day(1, 2), in_reply_to="gone@x",
             references=["gone@x"], diff=diff_for("drivers/frob_core.c")),
        mail("q1@x", "[PATCH 1/2] knob: other", date=day(1, 3), in_reply_to="also-gone@x",
             references=["also-gone@x"], diff=diff_for("drivers/knob.c")))
    revs = [r for s in opened.series for r in s.revisions]
    assert sorted([p.msgid for p in r.patches] for r in revs) == [["p1@x", "p2@x"], ["q1@x"]]
