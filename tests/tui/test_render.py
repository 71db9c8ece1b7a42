"""The Textual-free rendering: mail text stays inert, quotes are dimmed by
depth, trailers and diffs are coloured, findings sit under their line."""

from __future__ import annotations

import datetime as dt

import reviewer
from tui.notes import LineComment
from tui.patchtext import GUTTER, Notes, patch_text
from tui.render import body_lines, clean, inert, mail_lines, rangediff_lines, when


def _message(body: str, subject: str = "Re: [PATCH] x: y") -> reviewer.Message:
    info = reviewer.SubjectInfo(subject, "x: y", 1, False, 1, 1, False, False, False, True,
                                subject.startswith("Re:"), ("PATCH",))
    return reviewer.Message(
        "m@x", reviewer.Address("A \x1b[31mRed", "a@example.org"),
        dt.datetime(2024, 3, 4, 9, 12, tzinfo=dt.UTC), info, None, (),
        (reviewer.Address("B", "b@example.org"),), (), body, (), False, b"")


def test_control_characters_become_visible_and_markup_stays_text() -> None:
    text = inert("[bold]not bold[/bold] \x1b[2J\x07 \u202eevil\tend")
    assert text.plain.startswith("[bold]not bold[/bold] ␛[2J␇ \ufffdevil")
    assert "\t" not in text.plain and "end" in text.plain  # tabs expanded
    assert not text.spans  # nothing was parsed as markup
    assert clean("\x7f") == "␡"


def test_mail_headers_are_trimmed_and_sender_is_inert() -> None:
    lines = [line.text.plain for line in mail_lines(_message("hello"), "v2 patch 1")]
    assert lines[0] == "From: A ␛[31mRed <a@example.org>"
    assert "Date: Mon, 2024-03-04 09:12:00 UTC (sent at +0000)" in lines  # one zone: UTC
    assert "Revision: v2 patch 1" in lines
    assert not any(line.startswith(("Message-ID", "References")) for line in lines)


def test_quotes_are_dimmed_by_depth_and_trailers_highlighted() -> None:
    body = "> one\n> > two\nReviewed-by: B <b@example.org>\nplain\n-- \nsig"
    lines = body_lines(body)
    one, two, trailer, plain, _, sig = (line.text for line in lines)
    assert "dim" in str(one.style) and "dim" in str(two.style)
    assert one.style != two.style  # each depth its own colour
    assert trailer.spans and "magenta" in str(trailer.spans[0].style)
    assert plain.style == "" and "dim" in str(sig.style)


def test_diff_lines_are_coloured_and_not_wrapped() -> None:
    body = ("text\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-old\n+new\n ctx\n")
    lines = body_lines(body)
    styles = {line.text.plain: str(line.text.style) for line in lines}
    assert styles["+new"] == "green" and styles["-old"] == "red"
    assert styles["@@ -1,2 +1,2 @@"] == "cyan"
    assert all(not line.wrap for line in lines[1:])


def test_rangediff_pairs_and_inner_diff() -> None:
    lines = rangediff_lines("1:  abc = 1:  def t\n2:  abc ! 2:  def u\n    @@ x\n    -+a\n")
    assert "green" in str(lines[0].text.style) and "yellow" in str(lines[1].text.style)
    assert str(lines[3].text.style) == "red"


def test_findings_are_written_under_their_line(sample) -> None:  # type: ignore[no-untyped-def]
    _tree, mbox = sample
    opened = reviewer.open_source(mbox)
    rev = opened.series[0].revision(1)
    patch = rev.patches[0]
    fc = patch.files[0]
    line_no = fc.hunks[0].added()[0][0]
    at_line = reviewer.Finding("POL999", reviewer.Severity.ERROR, "bad [red]line[/red]", 1, 1,
                               fc.path, line_no, "diff", "fp1")
    at_file = reviewer.Finding("POL998", reviewer.Severity.WARNING, "file", 1, 1, fc.path,
                               9999, "tree", "fp2")
    whole = reviewer.Finding("POL997", reviewer.Severity.INFO, "patch", 1, 1, None, None,
                             "diff", "fp3")
    out = patch_text(rev, patch, [at_line, at_file, whole], None, "not applied")
    plain = [line.text.plain for line in out.lines]
    anchors = {f.rule_id: i for f, i in out.anchors}
    assert [f.rule_id for f, _ in out.anchors] == ["POL997", "POL998", "POL999"]
    # the line the finding is about comes right before its annotation, with a mark
    before = plain[anchors["POL999"] - 1]
    assert before.startswith("● ") and f"{line_no:>6}" in before
    assert "bad [red]line[/red]" in plain[anchors["POL999"]]
    assert plain[anchors["POL998"] - 1].lstrip("▲ ").lstrip().startswith("diff --git")
    assert "no line in this diff" in plain[anchors["POL998"]]
    assert plain[0].startswith("Author:") and "not applied" in plain[1]


def test_an_apply_failure_is_shown_at_its_hunk(sample) -> None:  # type: ignore[no-untyped-def]
    _tree, mbox = sample
    rev = reviewer.open_source(mbox).series[0].revision(1)
    patch = rev.patches[0]
    path = patch.files[0].path
    failure = reviewer.ApplyFailure(path, 1, 20, f"hunk #1 at {path}:20: context not found")
    pa = reviewer.PatchApply(1, patch.title, reviewer.PatchStatus.FAILED, None, failure)
    plain = [line.text.plain for line in patch_text(rev, patch, [], pa, "").lines]
    assert "✗ does not apply: hunk #1" in plain[1]
    hunk = next(i for i, text in enumerate(plain) if "@@ -" in text)
    assert "✗ this hunk does not apply" in plain[hunk + 1]


def test_each_line_knows_the_reply_line_it_shows(sample) -> None:  # type: ignore[no-untyped-def]
    """A comment made on a line of the patch screen goes under the same line
    of the reply: every message and diff line maps to the reply line with
    its text, and a comment is written under the line it is about."""
    _tree, mbox = sample
    rev = reviewer.open_source(mbox).series[0].revision(3)
    patch = rev.patches[0]
    replies = reviewer.reply_lines(rev, 1)
    removed = next(i for i, q in enumerate(replies) if q.old is not None and q.new is None)
    comment = LineComment(removed, reviewer.Comment.under(1, replies[removed], "why [b]?[/b]"))
    out = patch_text(rev, patch, [], None, "", Notes(comments=[comment]))
    assert out.replies == replies
    shown = {out.quoted[i] for i, line in enumerate(out.lines)
             if line.tag and line.tag[0] in ("line", "hunk")}
    assert shown == {i for i, q in enumerate(replies) if q.hunk}  # every hunk line, once
    for i, line in enumerate(out.lines):
        if line.tag and line.tag[0] in ("line", "hunk"):
            assert line.text.plain[GUTTER:] == clean(replies[out.quoted[i]].text), i
    for at in (i for i, q in enumerate(replies) if q.file is None and q.text):
        line = next(n for n, shows in out.quoted.items() if shows == at)
        assert out.lines[line].text.plain == clean(replies[at].text)
    under = next(i for i, line in enumerate(out.lines) if line.tag == ("comment", comment))
    assert out.quoted[under] == removed and out.quoted[under - 1] == removed
    assert out.lines[under].text.plain.strip() == "✎ why [b]?[/b]"


def test_times_are_shown_in_utc_whatever_zone_the_mail_was_sent_in() -> None:
    sent = dt.datetime(2024, 3, 4, 11, 12, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert when(sent) == "2024-03-04 09:12 UTC"
    assert when(sent, seconds=True) == "2024-03-04 09:12:05 UTC"
