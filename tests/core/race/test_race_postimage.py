"""Functions recovered from hunks when a patch does not apply: the hunk
heading cut by git, the return type on the line above, a hunk starting in a
nested block or a comment, a hunk ending the previous function, and what
cannot be placed (reported as RACE000, not dropped)."""

from __future__ import annotations

from pathlib import Path

from mailfactory import mail, mbox

import reviewer
from reviewer.checks.engine import check_series
from reviewer.checks.race import SourceFile, analyze
from reviewer.config import Config
from reviewer.cparse import functions
from reviewer.model import FileChange, Hunk
from reviewer.postimage import DiffHunk, rebuild_post_image


def _fn_of(hunks: list[DiffHunk], line: int) -> str:
    text = rebuild_post_image(hunks).text
    return next((f.name for f in functions(text) if f.start_line <= line <= f.end_line), "")


def _hits(hunks: list[DiffHunk]) -> set[tuple[str, int]]:
    image = rebuild_post_image(hunks)
    change = FileChange("fs/x.c", "fs/x.c", None, None, tuple(
        Hunk(0, 0, h.new_start, 0, h.section, tuple(h.lines)) for h in hunks))
    lines = change.line_changes()  # added lines, those around removals, removed ones
    src = SourceFile("fs/x.c", image.text, lines.touched, "hunks", frozenset(image.line_map),
                     lines.removed)
    return {(h.code, h.line) for h in analyze([src])}


def test_cut_header_without_its_return_type() -> None:
    # git shows only the header's first line; the type sits on the line above.
    hunk = DiffHunk(50, [" \tint ret = 0;", " ", "+\tspin_lock(&l->lock);", "+\tmsleep(1);",
                         " \tspin_unlock(&l->lock);"],
                    "demo_alloc_lists(struct list_head *list,")
    assert _fn_of([hunk], 52) == "demo_alloc_lists"
    assert _hits([hunk]) == {("RACE007", 53)}


def test_hunk_starting_in_a_loop_body() -> None:
    # The loop's header is above the hunk; its closing brace, the return and
    # the function's end are in it.  The unlock after the loop is gone, so the
    # RCU read lock taken at the end of the body is still held at the return.
    hunk = DiffHunk(100, [" \t\trcu_read_lock();", " \t\tdemo_put(item);", " \t}",
                          "-\trcu_read_unlock();", " \treturn ret;", " }"],
                    "demo_collect(struct list_head *list,")
    assert _fn_of([hunk], 103) == "demo_collect"
    assert ("RACE006", 103) in _hits([hunk])


def test_hunk_starting_at_an_else() -> None:
    hunk = DiffHunk(30, [" \t} else if (demo_ready(d)) {", "+\t\tspin_lock(&d->lock);",
                         "+\t\tkfree_sync(d->buf);", " \t\td->n = 0;", "+\t\treturn -EBUSY;",
                         " \t}", " \treturn 0;", " }"], "int demo_fill(struct demo *d)")
    assert _fn_of([hunk], 32) == "demo_fill"
    assert _hits([hunk]) == {("RACE006", 34)}


def test_first_hunk_ends_the_previous_function() -> None:
    hunk = DiffHunk(20, [" \treturn 0;", " }", " ", "+static void demo_drop(struct dentry *d)",
                         "+{", "+\t__d_drop(d);", "+}"], "static int demo_before(struct demo *d)")
    text = rebuild_post_image([hunk]).text
    assert [f.name for f in functions(text)] == ["demo_before", "demo_drop"]
    assert _hits([hunk]) == {("RACE002", 25)}


def test_second_hunk_of_the_same_function_keeps_it_open() -> None:
    # The second hunk starts inside a switch of the function the first one
    # opened: the function goes on, only the switch's block is opened.
    first = DiffHunk(10, [" \tstruct demo *d = arg;", "+\tbool wait;", " "],
                     "void demo_handle(struct demo_session *s,")
    second = DiffHunk(40, [" \t\tbreak;", " \tcase DEMO_TRUNC:", "+\t\twait = demo_trunc(d);",
                           " \t\tbreak;", " \t}", " }"], "void demo_handle(struct demo_session *s,")
    text = rebuild_post_image([first, second]).text
    assert [(f.name, f.start_line, f.end_line) for f in functions(text)] == [
        ("demo_handle", 9, 45)]


def test_hunk_starting_inside_a_comment() -> None:
    first = DiffHunk(5, [" \treturn 0;", " }", " ", " /*", "- * old words", "+ * new words"],
                     "static int demo_a(void)")
    second = DiffHunk(20, [" * the rest of the comment", " */", " static int demo_b(void)",
                           " {", "+\tmsleep(1);", " \treturn 0;", " }"],
                      "static int demo_a(void)")
    image = rebuild_post_image([first, second])
    assert [f.name for f in functions(image.text)] == ["demo_a", "demo_b"]
    assert image.unplaced == ()


def test_unplaceable_hunk_is_reported(tmp_path: Path) -> None:
    # Statements inside a function, but nothing above them: no line for its
    # header.  The hunk is reported as unread (info), never dropped silently.
    diff = ("diff --git a/fs/demo.c b/fs/demo.c\n--- a/fs/demo.c\n+++ b/fs/demo.c\n"
            "@@ -1,3 +1,4 @@ static int demo_fill(struct demo *d)\n"
            " \tspin_lock(&d->lock);\n+\tmsleep(1);\n \tspin_unlock(&d->lock);\n"
            " \treturn 0;\n")
    assert rebuild_post_image([DiffHunk(1, [" \tspin_lock(&d->lock);", "+\tmsleep(1);",
                                            " \tspin_unlock(&d->lock);", " \treturn 0;"],
                                        "static int demo_fill(struct demo *d)")]).unplaced == (
        (1, 4),)
    path = mbox(tmp_path, mail("[PATCH] demo: wait", msgid="a@b", diff=diff))
    (report,) = check_series(reviewer.open_source(path).series[0], None, None,
                             Config(select=("RACE",)))
    (finding,) = report.findings
    assert finding.rule_id == "RACE000" and finding.severity.value == "info"
    assert (finding.file, finding.line) == ("fs/demo.c", 1) and "1-4" in finding.message
