"""Each policy rule on small mails of our own: one case that fires, one
that does not."""

from __future__ import annotations

from pathlib import Path

from mailfactory import DIFF, mail, mbox, run_rule

import reviewer
from reviewer.checks.engine import check_revision
from reviewer.checks.registry import get_rule
from reviewer.config import Config


def rules_fired(report, rule_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message for f in report.findings if f.rule_id == rule_id]


def test_pol001_missing_signoff(tmp_path: Path) -> None:
    bad = run_rule("POL001", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", signoff=None)))
    assert rules_fired(bad, "POL001") == ["no Signed-off-by: trailer"]
    assert bad.findings[0].patch == 1
    good = run_rule("POL001", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x")))
    assert not good.findings


def test_pol002_author_must_sign(tmp_path: Path) -> None:
    bad = run_rule("POL002", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x",
                                                 signoff="Sam Other <sam@example.org>")))
    assert rules_fired(bad, "POL002") == [
        "author Lin Author <lin@example.org> has no Signed-off-by"]
    # An in-body From: makes that person the author.
    body = "From: Sam Other <sam@example.org>\n\nExplain why."
    good = run_rule("POL002", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", body=body,
                                                  signoff="Sam Other <sam@example.org>")))
    assert not good.findings


def test_pol003_submitter_last(tmp_path: Path) -> None:
    chain = "Lin Author <lin@example.org>\nSigned-off-by: Sam Other <sam@example.org>"
    bad = run_rule("POL003", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", signoff=chain)))
    assert rules_fired(bad, "POL003") == ["submitter lin@example.org signs off, but not last"]
    good = run_rule("POL003", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x")))
    assert not good.findings


def test_pol004_malformed_trailer(tmp_path: Path) -> None:
    body = "Explain why.\n\nReviewed-by: rev@example\nSigned-off-by Lin Author <lin@example.org>"
    bad = run_rule("POL004", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", body=body)))
    messages = rules_fired(bad, "POL004")
    assert any("needs 'Name <address>'" in m for m in messages)
    good = run_rule("POL004", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x")))
    assert not good.findings


def test_pol006_subject_format(tmp_path: Path) -> None:
    long = "ovl: " + "very " * 20 + "long"
    bad = run_rule("POL006", mbox(tmp_path, mail("drop the negative dentries", msgid="a@x")))
    assert {m.split("': ")[-1] for m in rules_fired(bad, "POL006")} == {
        "no PATCH tag", "no 'subsystem: ' prefix"}
    too_long = run_rule("POL006", mbox(tmp_path, mail(f"[PATCH] {long}", msgid="a@x")))
    assert any("columns" in m for m in rules_fired(too_long, "POL006"))
    good = run_rule("POL006", mbox(tmp_path, mail("[PATCH] ovl: drop negatives", msgid="a@x")))
    assert not good.findings


def test_pol007_subject_version(tmp_path: Path) -> None:
    cover = mail("[PATCH v3 0/2] ovl: series", msgid="c@x", diff=None, signoff=None)
    p1 = mail("[PATCH v3 1/2] ovl: one", msgid="p1@x", in_reply_to="c@x")
    p2 = mail("[PATCH 2/2] ovl: two", msgid="p2@x", in_reply_to="c@x")
    report = run_rule("POL007", mbox(tmp_path, cover, p1, p2), version=3)
    assert rules_fired(report, "POL007") == [
        "subject has no version but the other patches of v3 say v3"]
    assert report.findings[0].patch == 2


def test_pol009_changelog(tmp_path: Path) -> None:
    v1 = mail("[PATCH] ovl: drop negatives", msgid="v1@x")
    v2 = mail("[PATCH v2] ovl: drop negatives", msgid="v2@x",
              date="Tue, 05 Mar 2024 10:00:00 +0000")
    bad = run_rule("POL009", mbox(tmp_path, v1, v2), version=2)
    assert rules_fired(bad, "POL009") == ["v2 does not say what changed since v1 (below '---')"]
    v2_ok = mail("[PATCH v2] ovl: drop negatives", msgid="v2@x", notes="v1 -> v2: lock it",
                 date="Tue, 05 Mar 2024 10:00:00 +0000")
    assert not run_rule("POL009", mbox(tmp_path, v1, v2_ok), version=2).findings
    assert not run_rule("POL009", mbox(tmp_path, v1, v2), version=1).findings


def test_pol010_and_pol011_series_shape(tmp_path: Path) -> None:
    p1 = mail("[PATCH 1/3] ovl: one", msgid="p1@x")
    p3 = mail("[PATCH 3/3] ovl: three", msgid="p3@x", in_reply_to="p1@x")
    path = mbox(tmp_path, p1, p3)
    assert rules_fired(run_rule("POL010", path), "POL010") == ["patch 2/3 is missing"]
    assert rules_fired(run_rule("POL011", path), "POL011") == [
        "v1 has 3 patches but no cover letter"]
    single = mbox(tmp_path, mail("[PATCH] ovl: one", msgid="s@x"))
    assert not run_rule("POL010", single).findings
    assert not run_rule("POL011", single).findings


def test_pol015_fixes_format(tmp_path: Path) -> None:
    sob = "\nSigned-off-by: Lin Author <lin@example.org>"
    body = "Explain why.\n\nFixes: 1a2b3c4 ovl: lookup fix" + sob
    bad = run_rule("POL015", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", body=body,
                                                 signoff=None)))
    assert len(rules_fired(bad, "POL015")) == 1
    body = 'Explain why.\n\nFixes: 1a2b3c4d5e6f ("ovl: lookup fix")' + sob
    good = run_rule("POL015", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", body=body,
                                                  signoff=None)))
    assert not good.findings


def test_pol016_without_tree_is_skipped(tmp_path: Path) -> None:
    report = run_rule("POL016", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x")))
    outcome = report.outcome("POL016")
    assert outcome is not None and outcome.status == "skipped" and outcome.reason == "no tree"


def test_signoffs_of_one_person_under_two_addresses(tmp_path: Path) -> None:
    """The sender writes from home, the in-body From: and the sign-off name
    the same person at work: nothing to flag (POL002, POL003)."""
    body = "From: Lin Author <lin@work.example>\n\nExplain why."
    same = mail("[PATCH] ovl: x", msgid="a@x", body=body, sender="Lin Author <lin@home.example>",
                signoff="Lin Author <lin@work.example>")
    for rule_id in ("POL002", "POL003"):
        assert not run_rule(rule_id, mbox(tmp_path, same)).findings
    # Someone else sends it and does not sign off: the chain is broken.
    other = mail("[PATCH] ovl: x", msgid="a@x", body=body, sender="Sam Other <sam@example.org>",
                 signoff="Lin Author <lin@work.example>")
    assert rules_fired(run_rule("POL003", mbox(tmp_path, other)), "POL003") == [
        "submitter Sam Other <sam@example.org> has no Signed-off-by"]
    # A bare address nobody names: unknown, said as an info.
    bare = mail("[PATCH] ovl: x", msgid="a@x", body=body, sender="x1234@mail.example",
                signoff="Lin Author <lin@work.example>")
    (finding,) = run_rule("POL003", mbox(tmp_path, bare)).findings
    assert finding.severity.value == "info" and "nothing in the thread says" in finding.message


def test_a_lost_in_body_from(tmp_path: Path) -> None:
    """Sent by Sam without an in-body From:, but Lin signs off first: git
    am would record Sam as the author (POL002 warns); a sign-off by Sam
    under a new address is still Sam's."""
    chain = "Lin Author <lin@example.org>\nSigned-off-by: Sam Other <sam@new.example>"
    lost = mail("[PATCH] ovl: x", msgid="a@x", sender="Sam Other <sam@example.org>",
                signoff=chain)
    (finding,) = run_rule("POL002", mbox(tmp_path, lost)).findings
    assert finding.severity.value == "warning"
    assert finding.message.startswith("the first Signed-off-by is Lin Author <lin@example.org>")
    assert not run_rule("POL003", mbox(tmp_path, lost)).findings


def test_a_changelog_above_the_cut_hides_no_signoff(tmp_path: Path) -> None:
    """`--` instead of `---` keeps the changelog in the commit message: the
    sign-off above it still counts (POL001), as for checkpatch."""
    body = ("Explain why.\n\nSigned-off-by: Lin Author <lin@example.org>\n\n--\n"
            "Changes in v2:\n- lock it\n")
    moved = mail("[PATCH] ovl: x", msgid="a@x", body=body, signoff=None)
    assert not run_rule("POL001", mbox(tmp_path, moved)).findings


def test_pol004_a_slip_in_a_reviewers_address(tmp_path: Path) -> None:
    """Rita writes from rita@example.org; v2 carries her tag with
    exmaple.org: a typo.  Christoph-style tags from another real address of
    the same person (far from any they write from) are left alone."""
    v1 = mail("[PATCH] ovl: x", msgid="v1@x")
    reply = mail("Re: [PATCH] ovl: x", msgid="r@x", in_reply_to="v1@x", diff=None, signoff=None,
                 sender="Rita Reviewer <rita@example.org>",
                 body="> Explain why.\n\nReviewed-by: Rita Reviewer <rita@example.org>")
    later = "Tue, 05 Mar 2024 10:00:00 +0000"
    typo = mail("[PATCH v2] ovl: x", msgid="v2@x", date=later,
                body="Explain why.\n\nReviewed-by: Rita Reviewer <rita@exmaple.org>")
    (finding,) = run_rule("POL004", mbox(tmp_path, v1, reply, typo), version=2).findings
    assert finding.message.endswith("which Rita Reviewer never wrote from: a typo of "
                                    "rita@example.org?")
    other = mail("[PATCH v2] ovl: x", msgid="v2@x", date=later,
                 body="Explain why.\n\nReviewed-by: Rita Reviewer <rita@work.example>")
    assert not run_rule("POL004", mbox(tmp_path, v1, reply, other), version=2).findings


def test_pol004_an_address_cut_short(tmp_path: Path) -> None:
    """An ID copied with '...' in place of its middle is no address; the
    whole one (a bare address, as syzbot's are) is fine."""
    cut = "Explain why.\n\nReported-by: syzbot+1a2b3c...@syzkaller.example.com"
    (finding,) = run_rule("POL004", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x",
                                                        body=cut))).findings
    assert "cut short" in finding.message and "syzbot+1a2b3c...@" in finding.message
    whole = "Explain why.\n\nReported-by: syzbot+1a2b3c4d5e6f@syzkaller.example.com"
    assert not run_rule("POL004", mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x",
                                                      body=whole))).findings


def test_pol007_a_later_revision_without_a_version(tmp_path: Path) -> None:
    """The third posting, sent as plain `[PATCH]` after v2: v3, and a
    warning that no subject says so.  A re-post of v1 as `[PATCH]` is
    fine."""
    v1 = mail("[PATCH] ovl: drop negatives", msgid="v1@x")
    v2 = mail("[PATCH v2] ovl: drop negatives", msgid="v2@x", notes="v2: lock it",
              date="Tue, 05 Mar 2024 10:00:00 +0000", diff=DIFF.replace("= 0", "= 1"))
    v3 = mail("[PATCH] ovl: drop negatives", msgid="v3@x", notes="v3: unlock it",
              date="Wed, 06 Mar 2024 10:00:00 +0000", diff=DIFF.replace("= 0", "= 2"))
    report = run_rule("POL007", mbox(tmp_path, v1, v2, v3), version=3)
    (finding,) = report.findings
    assert finding.severity.value == "warning" and "`[PATCH v3]`" in finding.message
    assert not run_rule("POL007", mbox(tmp_path, v1, v2, v3), version=2).findings


def test_pol009_a_resend_needs_no_changelog(tmp_path: Path) -> None:
    v1 = mail("[PATCH v2] ovl: drop negatives", msgid="v1@x", notes="v2: lock it")
    again = mail("[PATCH v2 RESEND] ovl: drop negatives", msgid="v2@x",
                 date="Tue, 05 Mar 2024 10:00:00 +0000")
    path = mbox(tmp_path, v1, again)
    opened = reviewer.open_source(path)
    assert [r.label for r in opened.series[0].revisions] == ["v2", "v2-resend"]
    series, rev = opened.find("v2-resend")
    report = check_revision(series, rev, None, None, Config(), [get_rule("POL009")])
    assert not report.findings
    v3 = mail("[PATCH v3] ovl: drop negatives", msgid="v3@x",
              date="Wed, 06 Mar 2024 10:00:00 +0000")
    assert rules_fired(run_rule("POL009", mbox(tmp_path, v1, again, v3), version=3),
                       "POL009") == ["v3 does not say what changed since v2-resend (below '---')"]


def test_pol021_a_fixes_tag_asked_for_and_not_added(tmp_path: Path) -> None:
    """A reviewer asks for a Fixes: tag on v1; v2 has none: a warning on
    v2.  Added in v2, asked in quoted text only, "no Fixes tag needed", or
    asked by the author: nothing."""
    later = "Tue, 05 Mar 2024 10:00:00 +0000"
    v1 = mail("[PATCH] ovl: x", msgid="v1@x")

    def ask(body: str, sender: str = "Rita Reviewer <rita@example.org>") -> str:
        return mail("Re: [PATCH] ovl: x", msgid="r@x", in_reply_to="v1@x", diff=None,
                    signoff=None, sender=sender, body=body)

    v2 = mail("[PATCH v2] ovl: x", msgid="v2@x", date=later, notes="v2: reword")
    asked = ask("> Explain why.\n\nThe bug came with the lookup rework. Any Fixes tag?")
    (finding,) = run_rule("POL021", mbox(tmp_path, v1, asked, v2), version=2).findings
    assert finding.message == "no Fixes: tag, though Rita Reviewer asked for one on v1 (r@x)"
    assert not run_rule("POL021", mbox(tmp_path, v1, asked, v2), version=1).findings
    fixed = mail("[PATCH v2] ovl: x", msgid="v2@x", date=later, notes="v2: add Fixes",
                 signoff='Lin Author <lin@example.org>\nFixes: 1a2b3c4d5e6f ("ovl: rework")')
    for thread in ((v1, asked, fixed),
                   (v1, ask("> Any Fixes tag?\n\nI agree with Sam."), v2),
                   (v1, ask("A cleanup: no Fixes tag needed."), v2),
                   (v1, ask("Any Fixes tag?", sender="Lin Author <lin@example.org>"), v2)):
        assert not run_rule("POL021", mbox(tmp_path, *thread), version=2).findings
