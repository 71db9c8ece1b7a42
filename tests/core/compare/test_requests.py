"""Reading inline comments out of replies, changelog sections, and the
open / addressed / unclear verdicts on small made-up threads."""

from __future__ import annotations

from pathlib import Path

from mailfactory import DIFF, mail, mbox

import reviewer
from reviewer.compare.concerns import changelog_units, inline_comments


def test_quotes_split_by_blank_and_elided_lines_are_one_quote() -> None:
    body = ("On Mon, Lin wrote:\n> +EXPORT_SYMBOL(a);\n\n> +EXPORT_SYMBOL(b);\n[...]\n"
            ">> deeper\n\nWhy export these?\n\nAnd this:\n\n> +static int c(void)\n\n"
            "is a copy.\n\nReviewed-by: R <r@x>\n\nThanks,\nRae\n")
    first, second = inline_comments(body)
    assert first.quoted == ("+EXPORT_SYMBOL(a);", "+EXPORT_SYMBOL(b);", "deeper")
    assert first.depths == (1, 1, 2)
    assert first.words == "Why export these?"
    # "And this:" introduces the next quote; trailer and closing are dropped.
    assert second.quoted == ("+static int c(void)",)
    assert second.words == "And this:\n\nis a copy."


def test_a_top_posted_reply_is_one_comment_without_quote() -> None:
    (only,) = inline_comments("Please add a changelog.\n\n-Dana\n")
    assert only.quoted == () and only.words == "Please add a changelog."


def test_changelog_sections_between_the_two_versions() -> None:
    notes = ("v3->v4:\n- Check the dentry under d_lock.\n\nv2->v3:\n- Use a flag.\n"
             "  Callers pass 0.\n\nv1->v2:\n- Slow path only.\n\n"
             " fs/namei.c | 3 ++-\n 1 file changed, 2 insertions(+)\n")
    assert changelog_units(notes, 3, 4) == ["Check the dentry under d_lock."]
    assert changelog_units(notes, 2, 4) == ["Check the dentry under d_lock.", "Use a flag.",
                                            "Callers pass 0."]
    cover = "Intro text.  Second sentence.\n\nChanges since v2:\n- Renamed.\n\nLin (2):\n  a: b\n"
    assert changelog_units(cover, 2, 3) == ["Intro text.", "Second sentence.", "Renamed."]
    assert changelog_units(cover, 3, 4) == ["Intro text.", "Second sentence."]


def _thread(tmp_path: Path, v2_diff: str, notes: str) -> reviewer.Series:
    review = mail("Re: [PATCH] ovl: init err", msgid="r1@x", in_reply_to="p1@x",
                  sender="Rae Viewer <rae@example.org>", signoff=None, diff=None,
                  date="Mon, 04 Mar 2024 12:00:00 +0000",
                  body="> +\terr = 0;\n\nerr is set again below, so this assignment is dead.")
    path = mbox(tmp_path, mail("[PATCH] ovl: init err", msgid="p1@x"), review,
                mail("[PATCH v2] ovl: init err", msgid="p2@x", notes=notes, diff=v2_diff,
                     date="Wed, 06 Mar 2024 10:00:00 +0000"))
    return reviewer.open_source(path).series[0]


def _only_concern(series: reviewer.Series) -> reviewer.Concern:
    (concern,) = reviewer.review_concerns(series.revision(1), series.revision(2))
    return concern


def test_quoted_code_kept_and_nothing_said_is_open(tmp_path: Path) -> None:
    concern = _only_concern(_thread(tmp_path, DIFF, "v1->v2:\n- Rebased."))
    assert concern.quote_kind == "diff" and concern.file == "fs/overlayfs/namei.c"
    assert concern.code == "unchanged" and concern.status == "open"
    assert concern.reviewer.email == "rae@example.org"


def test_quoted_code_rewritten_and_said_so_is_addressed(tmp_path: Path) -> None:
    fixed = DIFF.replace("+\terr = 0;", "+\terr = -ENOENT;")
    concern = _only_concern(_thread(tmp_path, fixed,
                                    "v1->v2:\n- Drop the dead assignment of err."))
    assert concern.code == "changed" and concern.status == "addressed"
    assert [e.kind for e in concern.evidence] == ["quote-changed", "changelog"]


def test_quoted_code_rewritten_silently_is_unclear(tmp_path: Path) -> None:
    fixed = DIFF.replace("+\terr = 0;", "+\terr = -ENOENT;")
    concern = _only_concern(_thread(tmp_path, fixed, "v1->v2:\n- Rebased."))
    assert concern.code == "changed" and concern.status == "unclear"
