"""The analysis on post-images rebuilt from hunks (the patch did not apply),
and on the real reference thread when its corpus is present."""

from __future__ import annotations

import mailbox

from helpers import REFERENCE_THREAD, need

from reviewer.checks.race import SourceFile, analyze
from reviewer.mail.diff import parse_diff
from reviewer.postimage import DiffHunk, rebuild_post_image

# A v1-style change in the middle of a function whose header is not in the hunk.
V1_HUNKS = [
    DiffHunk(40, [
        " \tstruct dentry *this;",
        " ",
        "-\tthis = lookup_positive_unlocked(name, base, len);",
        "+\tthis = lookup_one_len_unlocked(name, base, len);",
        " \tif (IS_ERR(this))",
        " \t\treturn PTR_ERR(this);",
        "+\tif (d_is_negative(this)) {",
        "+\t\td_drop(this);",
        "+\t\tdput(this);",
        "+\t\treturn -ENOENT;",
        "+\t}",
        " \t*ret = this;",
        " \treturn 0;",
    ], "static int layer_lookup(struct dentry *base, const char *name, int len,"),
]


def hunk_file(hunks: list[DiffHunk], path: str = "fs/layer.c") -> SourceFile:
    text, line_map, _ = rebuild_post_image(hunks)
    changed = frozenset(n for h in hunks for n in _added(h))
    return SourceFile(path, text, changed, "hunks", frozenset(line_map))


def _added(h: DiffHunk) -> list[int]:
    out, n = [], h.new_start
    for line in h.lines:
        if line.startswith("+"):
            out.append(n)
        if line[:1] in ("+", " "):
            n += 1
    return out


def test_v1_style_from_hunks_alone() -> None:
    hits = analyze([hunk_file(V1_HUNKS)])
    assert {(h.code, h.line) for h in hits} == {("RACE001", 46), ("RACE003", 46)}
    assert all(h.origin == "hunks" and h.function == "layer_lookup" for h in hits)


def test_leak_judged_when_the_lock_and_the_exit_are_both_shown() -> None:
    # The function's start and end are not in the hunk, but nothing hides
    # between the lock and the return: the error path leaks it.
    hunks = [DiffHunk(10, [" \tint err;", "+\tspin_lock(&p->lock);", "+\tif (err)",
                           "+\t\treturn err;"], "static int part(struct p *p)")]
    assert [(h.code, h.line) for h in analyze([hunk_file(hunks)])] == [("RACE006", 13)]
    # The same function complete in the hunk is judged the same way.
    whole = [DiffHunk(10, ["+static int part(struct p *p, int err)", "+{",
                           "+\tspin_lock(&p->lock);", "+\tif (err)", "+\t\treturn err;",
                           "+\tspin_unlock(&p->lock);", "+\treturn 0;", "+}"])]
    assert [(h.code, h.line) for h in analyze([hunk_file(whole)])] == [("RACE006", 14)]


def test_new_struct_and_function_after_the_end_of_the_heading_function() -> None:
    """A hunk headed by one function that ends it, then adds a struct and a
    whole new function: the struct's fields are data, not unplaced code, and
    the new function is read like any other."""
    hunks = [DiffHunk(20, [" \treturn 0;", " }", " ", "+struct work_item {",
                           "+\tstruct work_struct work;", "+\tstruct inode *inode;", "+};",
                           "+", "+static void put_later(struct p *p, int err)", "+{",
                           "+\tspin_lock(&p->lock);", "+\tif (err)", "+\t\treturn;",
                           "+\tspin_unlock(&p->lock);", "+}", " ", " /*"],
                      "static int lookup_create(struct handle *h, struct inode *inode,")]
    assert rebuild_post_image(hunks).unplaced == ()
    hits = analyze([hunk_file(hunks)])
    assert [(h.code, h.line, h.function) for h in hits] == [("RACE006", 32, "put_later")]


def test_hunks_that_stop_mid_statement_or_mid_comment_stay_in_their_function() -> None:
    """A heading git cut to `name(` (the type on the line above), a hunk
    ending inside a call's arguments and one ending inside a comment: each
    function is still read whole, and its lock leak is found."""
    cut = [DiffHunk(30, [" \tint\t\t\tcount)", " {", "+\tspin_lock(&p->lock);",
                         "+\tif (count)", "+\t\treturn -EINVAL;",
                         " \terr = do_work(p, count,"], "grow_list(")]
    assert rebuild_post_image(cut).unplaced == ()
    assert [(h.code, h.line) for h in analyze([hunk_file(cut)])] == [("RACE006", 34)]
    comment = [DiffHunk(50, [" \tint err;", " ", "+\tspin_lock(&p->lock);",
                             "+\tif (p->gone)", "+\t\treturn -ENOENT;", " \t/*",
                             " \t * the rest is below"], "static int sync_all(struct p *p)")]
    assert rebuild_post_image(comment).unplaced == ()
    assert [(h.code, h.line) for h in analyze([hunk_file(comment)])] == [("RACE006", 54)]


def test_no_verdict_across_lines_the_hunks_do_not_show() -> None:
    # Between the lock and the return lie lines no hunk shows: the unlock may
    # be there, so the lock state at the return is unknown.
    hunks = [DiffHunk(10, [" \tint err;", "+\tspin_lock(&p->lock);", " \tp->n++;"],
                      "static int part(struct p *p)"),
             DiffHunk(30, [" \tif (err)", "+\t\treturn err;", " \tp->n--;"],
                      "static int part(struct p *p)")]
    assert analyze([hunk_file(hunks)]) == []
    # Nor is a sleeping call after the gap under the lock taken before it, or
    # a release after the gap a double release.
    hunks = [DiffHunk(10, [" \tint err;", "+\tspin_lock(&p->lock);", "+\tspin_unlock(&p->lock);",
                           " \tp->n++;"], "static int part(struct p *p)"),
             DiffHunk(30, [" \tp->n--;", "+\tmsleep(1);", "+\tp->n++;"],
                      "static int part(struct p *p)"),
             DiffHunk(50, [" \tp->n--;", "+\tspin_unlock(&p->lock);"],
                      "static int part(struct p *p)")]
    assert analyze([hunk_file(hunks)]) == []
    # Without the gap, both are proven.
    shown = [DiffHunk(10, [" \tint err;", "+\tspin_lock(&p->lock);", "+\tmsleep(1);",
                           "+\tspin_unlock(&p->lock);", "+\tspin_unlock(&p->lock);",
                           " \tp->n--;"], "static int part(struct p *p)")]
    assert {(h.code, h.line) for h in analyze([hunk_file(shown)])} == {
        ("RACE007", 12), ("RACE006", 14)}


def test_a_release_after_a_sleep_proves_the_lock_was_held_there() -> None:
    # Where the lock was taken is not shown, but the path releases it after
    # the sleeping call with no acquire since: it was held at the call, also
    # when the change is the flag on the call's second line.
    hunks = [DiffHunk(30, [" \tp->n--;", " \tbuf = kmalloc(sizeof(*buf),",
                           "-\t\t      GFP_ATOMIC);", "+\t\t      GFP_KERNEL);", " \tif (!buf) {",
                           " \t\tspin_unlock(&p->lock);", " \t\treturn -ENOMEM;", " \t}"],
                      "static int part(struct p *p)")]
    assert {(h.code, h.line) for h in analyze([hunk_file(hunks)])} == {("RACE007", 31)}
    # A call that may take the lock itself, between the two: no verdict.
    taken = [DiffHunk(30, [" \tp->n--;", "+\tmsleep(1);", " \tpart_lock_all(p);",
                           " \tspin_unlock(&p->lock);"], "static int part(struct p *p)")]
    assert analyze([hunk_file(taken)]) == []


def _patches() -> dict[str, str]:
    out: dict[str, str] = {}
    for msg in mailbox.mbox(str(need(REFERENCE_THREAD))):
        subject = str(msg["Subject"])
        if "PATCH" not in subject or subject.startswith("Re:"):
            continue
        payload = msg.get_payload(decode=True)
        if payload is None:
            payload = msg.get_payload()[0].get_payload(decode=True)
        assert isinstance(payload, bytes)
        out[subject] = payload.decode("utf-8", "replace")
    return out


def _analyze_mail(body: str) -> list[tuple[str, str, int]]:
    files = []
    for change in parse_diff(body[body.index("\ndiff --git"):]):
        if change.path.endswith(".c"):
            text, line_map, _ = rebuild_post_image(
                [DiffHunk(h.new_start, h.lines, h.section) for h in change.hunks])
            files.append(SourceFile(change.path, text, change.changed_lines, "hunks",
                                    frozenset(line_map)))
    return [(h.code, h.function, h.line) for h in analyze(files)]


def test_no_verdict_past_a_block_the_hunk_cuts_off() -> None:
    # The hunk ends inside an `if` block: the braces that close it (and the
    # function) are added, not seen.  The path that skips the block goes on
    # into code no hunk shows, where the unlock may be: no leak there.
    hunks = [DiffHunk(20, [" \tint n = 0;", "+\tspin_lock(&p->lock);",
                           "+\tif (p->dead) {", "+\t\tspin_unlock(&p->lock);",
                           "+\t\treturn -ENOENT;", "+\t}", " \tif (p->busy) {",
                           " \t\tn = wait_busy(p);"], "static int part(struct p *p)")]
    assert analyze([hunk_file(hunks)]) == []
    # The same leak with the block's real end shown is found.
    shown = [DiffHunk(20, hunks[0].lines + [" \t}", "+\treturn -EBUSY;"],
                      "static int part(struct p *p)")]
    assert [(h.code, h.line) for h in analyze([hunk_file(shown)])] == [("RACE006", 29)]


def test_a_jump_first_in_a_hunk_may_be_an_unseen_ifs_body() -> None:
    # The hunk starts with `goto out;`, whose `if` is on the line before it:
    # the code after it still runs on some paths and is checked.
    hunks = [DiffHunk(40, [" \t\tgoto out;", " \tspin_lock(&p->lock);",
                           "+\tif (p->dead)", "+\t\treturn -ENOENT;",
                           " \tspin_unlock(&p->lock);"], "static int part(struct p *p)")]
    assert [(h.code, h.line) for h in analyze([hunk_file(hunks)])] == [("RACE006", 43)]


def mailed_file(counts: str, lines: list[str]) -> SourceFile:
    """The post-image of one mailed hunk of fs/p.c, with its removed lines."""
    head = f"--- a/fs/p.c\n+++ b/fs/p.c\n@@ {counts} @@ static int part(struct p *p)\n"
    change = parse_diff(head + "\n".join(lines) + "\n")[0]
    image = rebuild_post_image([DiffHunk(h.new_start, h.lines, h.section) for h in change.hunks])
    mailed = change.line_changes()
    return SourceFile("fs/p.c", image.text, mailed.touched, "hunks", frozenset(image.line_map),
                      mailed.removed)


def test_a_removed_unlock_before_a_jump_out_of_the_hunk_is_said_unjudged() -> None:
    # The unlock before `goto out` is removed; `out:` and the lock are not in
    # the patch, so whether the lock is released there is unknown: info.
    lines = [" \tif (bad) {", " \t\tret = -EIO;", "-\t\tmutex_unlock(&p->mu);",
             " \t\tgoto out;", " \t}"]
    hits = analyze([mailed_file("-50,5 +50,4", lines)])
    assert [(h.code, h.line) for h in hits] == [("RACE000", 52)]
    assert "mutex_unlock(&p->mu)" in hits[0].message and "`out`" in hits[0].message
    # With `out:` in the patch, the path is walked and judged there instead.
    shown = lines + [" \tp->n++;", " out:", " \tmutex_unlock(&p->mu);", " \treturn ret;"]
    hits = analyze([mailed_file("-50,9 +50,8", shown)])
    assert "RACE000" not in {h.code for h in hits}


def test_gotos_to_an_unseen_label_that_disagree_on_a_lock() -> None:
    # One error path unlocks before `goto out`, the other does not: whatever
    # `out:` (not in the patch) does, one of them is wrong.
    body = [" \tmutex_lock(&p->mu);", " \tret = step1(p);", " \tif (ret) {",
            " \t\tmutex_unlock(&p->mu);", " \t\tgoto out;", " \t}", " \tret = step2(p);",
            " \tif (ret)", "+\t\tgoto out;", " \tmutex_unlock(&p->mu);"]
    hits = analyze([mailed_file("-60,9 +60,10", body)])
    assert [(h.code, h.line) for h in hits] == [("RACE006", 68)]
    assert "`out`" in hits[0].message and "line 63" in hits[0].message
    # Both paths unlock first: they agree, and `out:` is not judged.
    agree = body[:7] + [" \tif (ret) {", "+\t\tmutex_unlock(&p->mu);", "+\t\tgoto out;",
                        " \t}", " \tmutex_unlock(&p->mu);"]
    assert not [h for h in analyze([mailed_file("-60,10 +60,12", agree)])
                if h.code == "RACE006"]


def test_reference_thread_from_hunks() -> None:
    patches = _patches()
    by_version = {k: v for k, v in patches.items()}
    v1 = next(v for k, v in by_version.items() if k.startswith("[RFC PATCH] "))
    v4 = next(v for k, v in by_version.items() if "v4" in k)
    # v1's unlocked drop of a negative dentry, found from its hunks alone.
    assert _analyze_mail(v1) == [("RACE001", "ovl_lookup_single", 214),
                                 ("RACE003", "ovl_lookup_single", 214)]
    # v4 takes d_lock and rechecks negativity and the count: nothing.
    assert _analyze_mail(v4) == []
    # v2 (parent lock held) and v3 1/9 (inside __lookup_slow) are fine too.
    for key in patches:
        if " v2]" in key or "v3 1/9" in key:
            assert _analyze_mail(patches[key]) == [], key
