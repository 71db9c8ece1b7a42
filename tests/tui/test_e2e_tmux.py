"""End to end: `reviewer demo` in a real terminal (tmux), driven with keys,
checked by what a person would see on the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """A tmux server of our own (its own socket and no user config)."""

    def __init__(self, name: str) -> None:
        self.socket = f"reviewer-e2e-{os.getpid()}-{name}"

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull, *args],
                              capture_output=True, text=True, check=check, timeout=30)

    def start(self, command: str, cwd: Path = REPO) -> None:
        self.tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "-c", str(cwd),
                  command)

    def screen(self) -> str:
        out = self.tmux("capture-pane", "-p", "-t", "e2e", check=False)
        return out.stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "e2e", *keys)

    def wait_for(self, test: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if test(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"never saw {what}; the screen was:\n{self.screen()}")

    def alive(self) -> bool:
        return self.tmux("has-session", "-t", "e2e", check=False).returncode == 0

    def stop(self) -> None:
        self.tmux("kill-server", check=False)


def test_demo_in_a_real_terminal() -> None:
    term = Terminal("demo")
    # COLUMNS/LINES may be inherited from the test run: they would win over
    # the real terminal size
    env = f"-u COLUMNS -u LINES PYTHONPATH={REPO} TERM=xterm-256color"
    term.start(f"env {env} {sys.executable} -m reviewer.cli demo")
    try:
        screen = term.wait_for(lambda s: "applied and checked" in s, "the matrix", timeout=120)
        for words in ("v1 RFC", "v4 RFC", "✓ 9/9", "31 messages, 4 revisions", "Quit"):
            assert words in screen
        assert "Traceback" not in screen

        term.keys("t")  # the thread reader on the first mail
        term.wait_for(lambda s: "Subject: [RFC PATCH] ovl:" in s
                      and "From: Lin Author <lin.author@example.org>" in s, "the reader")
        term.keys("j")  # the first reply, quoted text and all
        # (wait for the whole mail: tmux may be caught half-way through a repaint)
        screen = term.wait_for(lambda s: "From: Anika Rosen" in s
                               and "> When a name exists only in a lower layer" in s,
                               "the first reply with its quote")
        assert "Revision: v1 patch 1" in screen

        # search the whole thread: a word the first mails do not hold
        term.keys("Tab", "/")
        term.wait_for(lambda s: "search (Enter: find" in s, "the search prompt")
        term.keys("LOOKUP_NOCACHE_NEG", "Enter")
        screen = term.wait_for(lambda s: "LOOKUP_NOCACHE_NEG" in s and "Revision: v1" not in s,
                               "the first mail holding it (a reply to v2)")
        assert "Revision: v2 patch 1" in screen and "(times in UTC)" in screen
        term.keys("n", "n")  # on through the later mails
        term.wait_for(lambda s: "Revision: v3" in s, "a mail of v3 holding it")
        term.keys("q")  # the reader → the tree (nothing on the screen tells the focus)
        time.sleep(0.5)
        term.keys("q")  # the tree → the matrix
        term.wait_for(lambda s: "applied and checked" in s, "the matrix")

        # compare v3 with v4: the reviewers' requests and what v4 did
        term.keys("G", "c")
        screen = term.wait_for(lambda s: "Requests on v3, in v4:" in s, "the compare screen")
        assert "[addressed] Anika Rosen on patch 1" in screen and "· changelog: " in screen
        term.keys("d")
        term.wait_for(lambda s: "Range-diff (d: the review)" in s, "the range-diff")
        term.keys("q")
        term.wait_for(lambda s: "applied and checked" in s and "Requests" not in s,
                      "the matrix")

        term.keys("?")  # the help
        term.wait_for(lambda s: "Keys" in s and "Read the thread" in s, "the help")
        term.keys("Escape")
        term.wait_for(lambda s: "Keys" not in s and "applied and checked" in s, "the matrix")

        term.keys("q")  # q on the matrix leaves the program
        deadline = time.monotonic() + 20
        while term.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not term.alive()
    finally:
        term.stop()


def test_a_reply_draft_opens_in_the_editor_and_the_app_comes_back(
        sample: tuple[Path, Path], tmp_path: Path) -> None:
    """w in a patch: the draft is written in the current directory, $EDITOR
    (split as words, a path with a space in it) edits it on the terminal
    while the app is suspended, and the app comes back to ask about the
    state."""
    tree, mbox = sample
    script = tmp_path / "my editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('Edited in the editor.\\n')\n")
    editor = f"{sys.executable} {shlex.quote(str(script))}"
    env = (f"-u COLUMNS -u LINES PYTHONPATH={REPO} TERM=xterm-256color "
           f"EDITOR={shlex.quote(editor)}")
    term = Terminal("editor")
    term.start(f"env {env} {sys.executable} -m reviewer.cli tui {mbox} --tree {tree}",
               cwd=tmp_path)
    try:
        term.wait_for(lambda s: "applied and checked" in s, "the matrix", timeout=120)
        term.keys("j", "j", *["l"] * 8, "Enter")  # v3's first POL finding
        screen = term.wait_for(lambda s: "Write reply" in s, "the patch screen")
        if "v3 0/9" in screen:  # a finding about the whole revision: the cover letter
            term.keys("]")
        term.wait_for(lambda s: "v3 1/9" in s, "the first patch")
        term.keys("w")
        screen = term.wait_for(lambda s: "Mark the series as replied?" in s,
                               "the app back after the editor")
        assert "Traceback" not in screen
        (draft,) = tmp_path.glob("re-v3-1-*.eml")
        text = draft.read_text()
        assert text.endswith("Edited in the editor.\n") and "In-Reply-To: <" in text
        term.keys("y")
        term.wait_for(lambda s: "review: replied" in s, "the state in the header")
    finally:
        term.stop()
