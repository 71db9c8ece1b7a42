"""Reading inline comments out of replies, changelog sections, which
comments are requests, and each request's verdict from evidence, on small
made-up threads (tests/core/compare/threads.py)."""

from __future__ import annotations

from pathlib import Path

from mailfactory import CODE, mail, mbox, reply, review, thread

import reviewer
from reviewer import CodeState, EvidenceKind, QuoteKind, Verdict
from reviewer.compare.changelog import changelog_units
from reviewer.compare.comments import inline_comments


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


def test_a_top_posted_reply_leaves_out_the_mail_pasted_below_it() -> None:
    body = ("Looks fine to me.\n\n-----Original Message-----\nFrom: Lin\nSent: Monday\n\n"
            "This should be allocated with kvmalloc.\n")
    (only,) = inline_comments(body)
    assert only.words == "Looks fine to me."
    outlook = "Agreed.\n\nFrom: Lin Author <lin@example.org>\nSent: Monday\nPlease review.\n"
    assert [c.words for c in inline_comments(outlook)] == ["Agreed."]


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


def _request(series: reviewer.Series, new: int | None = 2) -> reviewer.Request:
    later = series.revision(new) if new else None
    (request,) = reviewer.review_requests(series.revision(1), later)
    return request


def _kinds(request: reviewer.Request) -> list[EvidenceKind]:
    return [e.kind for e in request.evidence]


SHIFT = "\tctx->count = 1 << inode->i_blkbits;"
CHECK = "\tif (ctx->flags)\n> +\t\tkfree(ctx->buf);"


def test_quoted_code_kept_and_nothing_said_is_open(tmp_path: Path) -> None:
    r = _request(thread(tmp_path, [review(f"> +{SHIFT}\n\nShifts should be done on unsigned "
                                          "types.")], CODE, "v2: rebased"))
    assert (r.quote_kind, r.file, r.code, r.verdict) == (
        QuoteKind.DIFF, "fs/demo/file.c", CodeState.UNCHANGED, Verdict.OPEN)
    assert r.reviewer.email == "rae@example.org"


def test_suggested_code_in_the_next_revision_is_addressed(tmp_path: Path) -> None:
    fixed = CODE.replace("1 << inode", "1U << inode")
    r = _request(thread(tmp_path, [review(f"> +{SHIFT}\n\nShift an unsigned value:\n\n"
                                          "\t1U << inode->i_blkbits\n")], fixed, "v2: rebased"))
    assert r.code is CodeState.CHANGED and r.verdict is Verdict.ADDRESSED
    assert EvidenceKind.SUGGESTED in _kinds(r)


def test_changed_quoted_code_is_addressed_by_the_interdiff_alone(tmp_path: Path) -> None:
    # Nothing names it, but the interdiff of the paired patches changes the
    # quoted line while the code around it stays: that is evidence.
    fixed = CODE.replace("1 << inode->i_blkbits", "inode->i_sb->s_blocksize")
    r = _request(thread(tmp_path, [review(f"> +{SHIFT}\n\nThis is wrong for large "
                                          "blocks.")], fixed, "v2: rebased"))
    assert r.code is CodeState.CHANGED and r.verdict is Verdict.ADDRESSED
    assert _kinds(r) == [EvidenceKind.QUOTE]


def test_changelog_naming_it_makes_it_addressed(tmp_path: Path) -> None:
    fixed = CODE.replace("1 << inode->i_blkbits", "inode->i_sb->s_blocksize")
    r = _request(thread(tmp_path, [review(f"> +{SHIFT}\n\nPlease take the block size from "
                                          "the superblock.")], fixed,
                        "v2: take the block size from the superblock"))
    assert r.verdict is Verdict.ADDRESSED
    assert _kinds(r)[:2] == [EvidenceKind.QUOTE, EvidenceKind.CHANGELOG]


def test_code_removed_as_asked_is_addressed_otherwise_superseded(tmp_path: Path) -> None:
    removed = CODE.replace("+\tif (ctx->flags)\n+\t\tkfree(ctx->buf);\n", "")
    asked = _request(thread(tmp_path, [review(f"> +{CHECK}\n\nThere is no need for this "
                                              "check, ctx was just zeroed.")], removed, ""))
    assert asked.code is CodeState.REMOVED and asked.verdict is Verdict.ADDRESSED
    other = _request(thread(tmp_path, [review(f"> +{CHECK}\n\nHow about kvfree() here "
                                              "instead?")], removed, ""))
    assert other.code is CodeState.REMOVED and other.verdict is Verdict.SUPERSEDED


def test_declined_with_a_reason_and_kept_is_rejected(tmp_path: Path) -> None:
    ask = "Please add a helper that sets i_private."
    r = _request(thread(tmp_path, [
        review(f"> +\tinode->i_private = ctx;\n\n{ask}"),
        reply(f"> {ask}\n\nI'd rather keep it open-coded: this is the only place that sets "
              "it, so a helper would add nothing.", parent="r1@x")], CODE, ""))
    assert r.code is CodeState.UNCHANGED and r.verdict is Verdict.REJECTED
    declined = next(e for e in r.evidence if e.kind is EvidenceKind.DECLINED)
    assert declined.msgid == "a1@x" and "open-coded" in declined.detail


def test_agreed_but_not_done_stays_open(tmp_path: Path) -> None:
    ask = "Please add a helper that sets i_private."
    r = _request(thread(tmp_path, [
        review(f"> +\tinode->i_private = ctx;\n\n{ask}"),
        reply(f"> {ask}\n\nOk, will do.", parent="r1@x")], CODE, ""))
    assert r.verdict is Verdict.OPEN and EvidenceKind.ACCEPTED in _kinds(r)


def test_acks_questions_pings_and_the_author_ask_nothing(tmp_path: Path) -> None:
    series = thread(tmp_path, [
        review("Looks good to me.\n\nReviewed-by: Rae Viewer <rae@example.org>"),
        review(f"> +{SHIFT}\n\nDoes this run under the inode lock?", msgid="r2@x"),
        review("Gentle ping: could you take a look at this one?", msgid="r3@x"),
        reply("Please ignore the noise, v2 follows.", parent="p1@x")], CODE, "")
    assert reviewer.review_requests(series.revision(1), series.revision(2)) == []


def test_a_comment_with_two_points_is_two_requests(tmp_path: Path) -> None:
    body = (f"> +{SHIFT}\n\nShifts should be done on unsigned types.\n\n"
            "Also, please check the result of demo_setup() before publishing ctx.")
    series = thread(tmp_path, [review(body)], CODE, "")
    first, second = reviewer.review_requests(series.revision(1), series.revision(2))
    assert first.words.startswith("Shifts") and second.words.startswith("Also")


def test_without_a_later_revision_unknown_unless_done_in_the_thread(tmp_path: Path) -> None:
    ask = "There is no need for this check, ctx was just zeroed."
    series = thread(tmp_path, [review(f"> +{CHECK}\n\n{ask}")], None, "")
    assert _request(series, None).verdict is Verdict.UNKNOWN
    done = thread(tmp_path, [review(f"> +{CHECK}\n\n{ask}"),
                             reply(f"> {ask}\n\nRight, I've deleted it while applying.",
                                   parent="r1@x", sender="Max Tainer <max@example.org>")],
                  None, "")
    r = _request(done, None)
    assert r.verdict is Verdict.ADDRESSED and _kinds(r) == [EvidenceKind.DONE]


def test_bot_reports_are_listed_apart_with_the_flagged_line(tmp_path: Path) -> None:
    report = ("Hi Lin,\n\nkernel test robot noticed the following build warnings:\n\n"
              "If you fix the issue, kindly add following tag where applicable\n"
              "Reported-by: kernel test robot <lkp@intel.com>\n\n"
              ">> fs/demo/file.c:18:21: warning: shift count is too large\n\n"
              "vim +18 fs/demo/file.c\n\n  17\t\t\tkfree(ctx->buf);\n"
              f"> 18\t{SHIFT.strip()}\n  19\t\terr = demo_setup(ctx);\n")
    bot = review(report, sender="kernel test robot <lkp@intel.com>")
    fixed = CODE.replace("1 << inode", "1U << inode")
    series = thread(tmp_path, [bot], fixed, "")
    old, new = series.revision(1), series.revision(2)
    assert reviewer.review_requests(old, new) == []
    (found,) = reviewer.bot_reports(old, new)
    assert found.kind == "warning" and found.flagged[0].line == 18
    assert found.flagged[0].code == SHIFT.strip()
    assert found.status is reviewer.BotStatus.FIXED
    (kept,) = reviewer.bot_reports(old, thread(tmp_path, [bot], CODE, "").revision(2))
    assert kept.status is reviewer.BotStatus.NOT_FIXED
    assert reviewer.bot_reports(old, None)[0].status is reviewer.BotStatus.NO_NEXT


def test_a_trailer_asked_for_is_looked_for_in_the_next_revision(tmp_path: Path) -> None:
    ask = review("> Explain why the change is needed.\n\nPlease add a Fixes: tag, and "
                 "Cc stable.")
    fixes = "Fixes: 0123456789ab (\"demo: add a context\")\nCc: stable@vger.kernel.org"
    series = reviewer.open_source(mbox(tmp_path, mail("[PATCH] demo: set up a context on open",
                                                      msgid="p1@x", diff=CODE), ask,
                                       mail("[PATCH v2] demo: set up a context on open",
                                            msgid="p2@x", diff=CODE, signoff=None,
                                            body="Explain why the change is needed.\n\n"
                                                 f"{fixes}\nSigned-off-by: Lin Author "
                                                 "<lin@example.org>",
                                            date="Wed, 06 Mar 2024 10:00:00 +0000"))).series[0]
    done = _request(series)
    assert done.verdict is Verdict.ADDRESSED and EvidenceKind.TAG in _kinds(done)
    lacking = _request(thread(tmp_path, [ask], CODE, "v2: reworded"))
    assert lacking.verdict is Verdict.OPEN
    tag = next(e for e in lacking.evidence if e.kind is EvidenceKind.TAG)
    assert tag.against and "Fixes, Cc: stable" in tag.detail


def test_a_diff_the_reviewer_wrote_is_looked_for_by_its_added_lines(tmp_path: Path) -> None:
    body = (f"> +{SHIFT}\n\nSomething like this:\n\n-\tctx->count = 1 << inode->i_blkbits;\n"
            "+\tctx->count = i_blocksize(inode);\n")
    fixed = CODE.replace("1 << inode->i_blkbits", "i_blocksize(inode)")
    r = _request(thread(tmp_path, [review(body)], fixed, ""))
    assert r.verdict is Verdict.ADDRESSED
    assert any(e.kind is EvidenceKind.SUGGESTED and "i_blocksize(inode)" in e.detail
               for e in r.evidence)


def test_a_bot_notice_flags_nothing(tmp_path: Path) -> None:
    notice = review("Hello:\n\nThis patch was applied to demo/demo.git (main) by Max "
                    "Tainer <max@example.org>:\n", sender="patchwork-bot <pw-bot@example.org>")
    series = thread(tmp_path, [notice], None, "")
    (found,) = reviewer.bot_reports(series.revision(1), None)
    assert (found.kind, found.status) == ("notice", reviewer.BotStatus.NOT_APPLICABLE)


def test_agreeing_with_a_reviewer_is_support_but_a_yes_to_the_author_can_ask(
        tmp_path: Path) -> None:
    ask = "Shifts should be done on unsigned types."
    proposal = "How about checking ctx->flags only after the setup?"
    series = thread(tmp_path, [
        review(f"> +{SHIFT}\n\n{ask}"),
        # another reviewer seconds it: no request of its own
        review(f"> {ask}\n\nYeah, and 1U is what the rest of the file uses.", msgid="r2@x",
               parent="r1@x", sender="Max Tainer <max@example.org>"),
        reply(f"> {ask}\n\n{proposal}", parent="r1@x"),
        # a yes to the author's proposal that asks for something else
        review(f"> {proposal}\n\nYes, though I'd rather do it like this:\n\n"
               "\tif (ctx->flags)\n\t\tkfree(ctx->buf);\n\t/* the buffer is gone */\n",
               msgid="r3@x", parent="a1@x", sender="Max Tainer <max@example.org>")],
        CODE, "")
    found = reviewer.review_requests(series.revision(1), series.revision(2))
    assert [(r.msgid, r.words.split()[0]) for r in found] == [("r1@x", "Shifts"),
                                                               ("r3@x", "Yes,")]
    assert "kfree(ctx->buf);" in found[1].words  # the code it introduces is part of it
