"""Hostile input.  A patch or mail must never get code run: a patch that
changes scripts/checkpatch.pl, adds `.git/hooks`-like paths, a
.gitattributes naming filter/diff/merge drivers, or a Makefile is applied
and checked, and no marker file any of them would write appears.  File
names with `..`, absolute paths, newlines, non-UTF-8 bytes or through a
symlink are refused or handled (one line at most, nothing written outside
refs/reviewer/).  Terminal escapes in subjects, names, bodies and file
names are shown inert by the CLI (text and markdown) and the TUI.  And mail
built to make the parsers slow (long lines, thousands of brackets, a huge
hunk line number, a deep reply chain) is read in seconds."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import pytest
from core.gitutil import commit, format_patch, git, init_repo, mail, mbox, user_state
from reliability.common import assert_clean_exit, leftovers, run_cli, run_sub, worktrees

MARK = "pwned-by-patch"  # every hostile script writes a file with this in its name

# -- a tree, and a series that tries to run code ----------------------------------


def _script(marker: Path, name: str) -> str:
    return f"#!/bin/sh\ntouch '{marker}/{MARK}-{name}' {MARK}-{name}-relative\n"


def base_checkpatch() -> str:
    """The base's checkpatch.pl: harmless, and says it was the one that ran."""
    return ("#!/usr/bin/perl\nwhile (<STDIN>) {}\n"
            "print \"-:1: WARNING:BASE_SCRIPT: the base's checkpatch ran\\n\";\nexit 1;\n")


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    """A user's tree whose config defines filter/diff/merge drivers and whose
    hooks would all leave markers, and a series whose patches try to get
    them, or their own scripts, run."""
    markers = tmp_path / "markers"
    markers.mkdir()
    tree = tmp_path / "tree"
    c_lines = "".join(f"int line{n};\n" for n in range(1, 21))
    init_repo(tree, {"scripts/checkpatch.pl": base_checkpatch(), "Makefile": "all:\n\ttrue\n",
                     "fs/a.c": c_lines, "README": "tree\n"})
    git(tree, "checkout", "-q", "-b", "topic")
    commit(tree, {".gitattributes": "* filter=evil diff=evil merge=evil\n"},
           "attrs: name the user's drivers", "2024-02-01T10:00:00+00:00")
    commit(tree, {"scripts/checkpatch.pl": "#!/usr/bin/perl\n"
                  f"system('touch', '{markers}/{MARK}-checkpatch');\n",
                  "scripts/get_maintainer.pl": "#!/usr/bin/perl\n"
                  f"system('touch', '{markers}/{MARK}-get-maintainer');\n",
                  "Makefile": f"all:\n\ttouch {markers}/{MARK}-make\n"
                  f"$(shell touch {markers}/{MARK}-make-shell)\n"},
           "scripts: replace checkpatch and Makefile", "2024-02-01T10:01:00+00:00")
    commit(tree, {"fs/a.c": c_lines.replace("int line10;", "int line10 = 1;")},
           "fs: change line 10", "2024-02-01T10:02:00+00:00")
    series = tmp_path / "hostile.mbox"
    series.write_bytes(format_patch(tree, "main..topic", "--thread", "--cover-letter",
                                    date="2024-02-01T09:00:00+00:00"))
    git(tree, "checkout", "-q", "main")
    git(tree, "branch", "-q", "-D", "topic")
    # main moves on next to line 10: on main (--base main below: the blobs
    # would find the series' own base) patch 3/3 needs the 3-way merge,
    # which would run the merge driver the patched .gitattributes names
    commit(tree, {"fs/a.c": c_lines.replace("int line11;", "int line11 = 2;")},
           "fs: change line 11", "2024-02-02T00:00:00+00:00")
    for key, value in (("filter.evil.clean", "clean"), ("filter.evil.smudge", "smudge"),
                       ("filter.evil.process", "process"), ("diff.evil.textconv", "textconv"),
                       ("diff.evil.command", "diffcmd"), ("merge.evil.driver", "merge")):
        git(tree, "config", key, f"touch {markers}/{MARK}-{value}; false")
    for hook in ("post-index-change", "reference-transaction", "pre-commit", "post-commit",
                 "post-checkout", "post-merge", "pre-auto-gc", "post-rewrite"):
        path = tree / ".git" / "hooks" / hook
        path.write_text(_script(markers, hook))
        path.chmod(0o755)
    return {"tree": tree, "mbox": series, "markers": markers, "root": tmp_path}


def no_markers(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        if root.exists():
            found += [str(p) for p in root.rglob(f"*{MARK}*")]
    return found


def git_dir_state(tree: Path) -> dict[str, bytes]:
    """.git beyond the objects and refs/reviewer/ (where we may write)."""
    out = {}
    for p in sorted((tree / ".git").rglob("*")):
        rel = p.relative_to(tree / ".git").as_posix()
        if p.is_file() and not rel.startswith(("objects/", "refs/reviewer/")):
            out[rel] = p.read_bytes()
    return out


def outside(root: Path, tree: Path) -> dict[str, bytes]:
    """Every file under `root` but the tree, the cache and temporary dirs."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and tree not in p.parents and "cache" not in p.name
            and "tmpdir" not in p.parts}


def test_nothing_a_patch_brings_is_run(hostile: dict[str, Path], tmpdir_env: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    tree, series, markers = hostile["tree"], hostile["mbox"], hostile["markers"]
    before, dot_git = user_state(tree), git_dir_state(tree)
    elsewhere = outside(hostile["root"], tree)
    code, out, err = run_cli(["apply", str(series), "--tree", str(tree), "--json",
                              "--base", "main"], capsys)
    (s,) = json.loads(out)["series"]
    (rev,) = s["revisions"]
    statuses = [p["status"] for p in rev["patches"]]
    assert statuses[:2] == ["applied", "applied"] and statuses[2] in ("applied-3way", "failed")
    assert code == (1 if "failed" in statuses else 0), err  # 1: a revision did not apply
    code, out, err = run_cli(["check", str(series), "--tree", str(tree), "--format", "json",
                              "--base", "main"], capsys)
    assert_clean_exit(code, err, (0, 1))
    report = json.loads(out)["series"][0]["revisions"][0]
    assert report["rules"]["POL005"]["status"] == "ran"  # the base's checkpatch...
    assert any("BASE_SCRIPT" in f["message"] for f in report["findings"])  # ...and only it
    proc = run_sub(["check", str(series), "--tree", str(tree), "--format", "markdown",
                    "--base", "main"])
    assert_clean_exit(proc.returncode, proc.stderr.decode(), (0, 1))
    assert no_markers(markers, hostile["root"], Path.home(), Path.cwd()) == []
    assert user_state(tree) == before and git_dir_state(tree) == dot_git
    assert outside(hostile["root"], tree) == elsewhere
    assert leftovers(tmpdir_env) == [] and len(worktrees(tree)) == 1


# -- file names ----------------------------------------------------------------------

NAMES = {
    "dotdot": ("../escaped.c", None),
    "dotdot-inside": ("fs/../../escaped.c", None),
    "absolute": ("/tmp/reviewer-absolute-escape.c", None),
    "dot-git-hooks": (".git/hooks/post-commit", None),
    "nested-dot-git": ("fs/.git/hooks/post-commit", None),
    "dot-git-upper": (".GIT/hooks/post-commit", None),
    "dot-git-config": (".git/config", None),
    "newline": ('"a/fs/new\\nline.c"', '"b/fs/new\\nline.c"'),
    "non-utf8": ('"a/fs/caf\\303\\251-\\377.c"', '"b/fs/caf\\303\\251-\\377.c"'),
    "escape-in-name": ('"a/fs/\\033[2Jclear.c"', '"b/fs/\\033[2Jclear.c"'),
}


def _new_file_diff(old: str, new: str) -> str:
    return (f"diff --git {old} {new}\nnew file mode 100755\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ {new}\n@@ -0,0 +1,2 @@\n+#!/bin/sh\n+touch {MARK}-name\n")


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_hostile_file_names(kind: str, hostile: dict[str, Path], tmpdir_env: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path, quoted_new = NAMES[kind]
    old, new = (path, quoted_new) if quoted_new else (f"a/{path}", f"b/{path}")
    tree = hostile["tree"]
    box = hostile["root"] / "names.mbox"
    box.write_bytes(mbox(mail("names@x", "[PATCH] fs: a file with a hostile name",
                              diff=_new_file_diff(old, new))))
    before, dot_git = user_state(tree), git_dir_state(tree)
    elsewhere = outside(hostile["root"], tree)
    for args in (["apply", str(box), "--tree", str(tree)],
                 ["check", str(box), "--tree", str(tree)],
                 ["check", str(box), "--format", "markdown"], ["revisions", str(box)]):
        code, out, err = run_cli(args, capsys)
        assert_clean_exit(code, err)
        assert "\x1b" not in out + err
    assert user_state(tree) == before and git_dir_state(tree) == dot_git
    assert outside(hostile["root"], tree) == elsewhere
    assert not Path("/tmp/reviewer-absolute-escape.c").exists()
    assert no_markers(hostile["root"], Path.cwd()) == []
    assert leftovers(tmpdir_env) == []


def test_write_through_a_symlink_is_refused(hostile: dict[str, Path], tmpdir_env: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """1/2 makes `escape` a symlink to the user's home, 2/2 writes under it."""
    tree = hostile["tree"]
    link = (f"diff --git a/escape b/escape\nnew file mode 120000\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/escape\n@@ -0,0 +1 @@\n+{Path.home()}\n"
            "\\ No newline at end of file\n")
    box = hostile["root"] / "symlink.mbox"
    box.write_bytes(mbox(
        mail("s1@x", "[PATCH 1/2] a link", diff=link),
        mail("s2@x", "[PATCH 2/2] through it", in_reply_to="s1@x",
             diff=_new_file_diff("a/escape/.bashrc", "b/escape/.bashrc"))))
    before = user_state(tree)
    code, out, err = run_cli(["apply", str(box), "--tree", str(tree), "--json"], capsys)
    assert code == 1, err  # the revision did not apply
    (rev,) = json.loads(out)["series"][0]["revisions"]
    assert [p["status"] for p in rev["patches"]] == ["applied", "failed"]
    bashrc = Path.home() / ".bashrc"
    assert not bashrc.exists() or MARK not in bashrc.read_text()
    assert user_state(tree) == before and leftovers(tmpdir_env) == []


# -- terminal escapes -------------------------------------------------------------

ESCAPES = ["\x1b[2J", "\x1b]52;c;cHduZWQ=\x07", "\x9b31m", "\x1b]8;;http://x.invalid\x1b\\",
           "\x07", "\x08", "\u202e"]


def _encoded(text: str) -> str:
    """An RFC 2047 encoded-word: how escapes get into a header."""
    import base64

    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


@pytest.fixture
def escapes(tmp_path: Path) -> tuple[Path, Path]:
    """A tree, and a series whose subject, author, body, trailers and file
    names carry terminal escapes (and a duplicated Message-ID, whose
    warning quotes it)."""
    tree = tmp_path / "tree"
    init_repo(tree, {"fs/a.c": "int a;\n"})
    evil = "".join(ESCAPES)
    diff = ('diff --git "a/fs/\\033[2Jx.c" "b/fs/\\033[2Jx.c"\nnew file mode 100644\n'
            'index 0000000..1111111\n--- /dev/null\n+++ "b/fs/\\033[2Jx.c"\n'
            f"@@ -0,0 +1 @@\n+int x; /* {evil} */\n")
    body = f"Body {evil} text.\n\nReviewed-by: Eve {evil} <eve@example.org>\n"
    head = (f"From: {_encoded('Eve ' + evil)} <eve@example.org>\n"
            f"Subject: {_encoded('[PATCH] fs: ' + evil + ' title')}\n"
            "Date: Mon, 01 Jan 2024 10:00:00 +0000\nMessage-ID: <esc@x>\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
    raw = (head + body + "Signed-off-by: Eve <eve@example.org>\n---\n" + diff).encode()
    box = tmp_path / "escapes.mbox"
    box.write_bytes(mbox(raw, raw.replace(b"Body", b"Again")))  # the same Message-ID twice
    return tree, box


BAD_BYTES = [b"\x1b", b"\x9b", b"\xc2\x9b", b"\x07", b"\x08", "\u202e".encode()]


@pytest.mark.parametrize("args", [
    ["revisions", "{box}"], ["check", "{box}"], ["check", "{box}", "--format", "markdown"],
    ["check", "{box}", "--tree", "{tree}"], ["apply", "{box}", "--tree", "{tree}"],
    ["check", "{box}", "--tree", "{tree}", "--format", "markdown"],
    ["revisions", "{box}", "--json"], ["check", "{box}", "--format", "json"]],
    ids=lambda a: "-".join(x for x in a if not x.startswith("{")))
def test_escapes_are_inert_in_the_cli(args: list[str], escapes: tuple[Path, Path]) -> None:
    """stdout and stderr bytes hold none of the mail's control characters
    (JSON carries them escaped as \\u001b, except C1 and bidi characters,
    which JSON does not escape: it is data, not terminal output)."""
    tree, box = escapes
    argv = [a.format(box=box, tree=tree) for a in args]
    proc = run_sub(argv, env={"COLUMNS": "200"})
    assert_clean_exit(proc.returncode, proc.stderr.decode("utf-8", "replace"))
    output = proc.stdout + proc.stderr
    json_out = any("json" in a for a in args)
    bad = [b"\x1b", b"\x07", b"\x08"] if json_out else BAD_BYTES
    assert [b for b in bad if b in output] == []
    assert b"title" in proc.stdout or json_out or "apply" in args


def test_escapes_are_inert_in_the_tui(escapes: tuple[Path, Path]) -> None:
    """The revisions matrix, the thread reader and the patch view show the
    escapes as visible stand-ins (ESC is ␛), never raw."""
    try:
        from tests.tui.helpers import screen_text, settle
        from tui.app import make_app
        from tui.screens.base import PatchAt
    except ImportError as exc:  # the TUI is not there
        pytest.skip(f"tui is not importable: {exc}")
    tree, box = escapes

    async def run() -> list[str]:
        app = make_app(str(box), str(tree))
        seen = []
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            seen.append(screen_text(app))
            await pilot.press("t")  # the thread reader
            await settle(pilot)
            seen.append(screen_text(app))
            await pilot.press("q")
            # the patch view (key: series, version): message, diff, file names
            app.go(PatchAt((0, 1), 1))
            await settle(pilot)
            seen.append(screen_text(app))
        return seen

    screens = asyncio.run(run())
    for text in screens:
        assert not [ch for ch in "\x1b\x9b\x07\x08\u202e" if ch in text], text
    assert any("␛" in text for text in screens[1:])
    assert any("title" in text for text in screens)


# -- input built to be slow ----------------------------------------------------------

def _timed(argv: list[str], limit: float) -> subprocess.CompletedProcess[bytes]:
    start = time.monotonic()
    proc = run_sub(argv, timeout=limit * 4)
    assert time.monotonic() - start < limit, f"{argv} took {time.monotonic() - start:.1f} s"
    assert_clean_exit(proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc


@pytest.mark.parametrize("kind", ["long-trailer-line", "brackets", "huge-line-number",
                                  "deep-chain"])
def test_mail_built_to_be_slow(kind: str, tmp_path: Path) -> None:
    """Each of these took minutes to hours (b4's trailer and subject
    regexes, a post-image rebuilt line by line, a quadratic reply walk)."""
    box = tmp_path / f"{kind}.mbox"
    d = "diff --git a/fs/a.c b/fs/a.c\n--- a/fs/a.c\n+++ b/fs/a.c\n@@ -1,1 +1,1 @@\n-a\n+b\n"
    if kind == "long-trailer-line":
        body = ("Text.\n\nLink: https://x.invalid/" + "a" * 100_000 + " (" + "b" * 100_000
                + "\nReviewed-by: A " + "c" * 50_000 + "\n")
        box.write_bytes(mbox(mail("t@x", "[PATCH] fs: a very long line", body=body, diff=d)))
    elif kind == "brackets":
        box.write_bytes(mbox(mail("b@x", "[" * 20_000 + "PATCH] x" + "]" * 20_000, diff=d),
                             mail("c@x", "Re: " * 5000 + "[PATCH] y", diff=d)))
    elif kind == "huge-line-number":
        huge = ("diff --git a/fs/a.c b/fs/a.c\n--- a/fs/a.c\n+++ b/fs/a.c\n"
                "@@ -999999990,3 +999999990,4 @@ static int f(void)\n \tint err;\n"
                "+\tspin_lock(&d->d_lock);\n \treturn err;\n }\n")
        box.write_bytes(mbox(mail("h@x", "[PATCH] fs: far away", diff=huge)))
    else:
        mails = [mail("m0@x", "[PATCH] fs: the root", diff=d)]
        mails += [mail(f"m{i}@x", "Re: [PATCH] fs: the root", in_reply_to=f"m{i - 1}@x",
                       references=[f"m{j}@x" for j in range(i)][-5:]) for i in range(1, 3000)]
        box.write_bytes(mbox(*mails))
    _timed(["revisions", str(box)], 30)
    _timed(["check", str(box), "--format", "json"], 60)

