"""POL005: the base tree's checkpatch.pl, run safely on decoded patches.

Real git repositories and real perl; the real 6.1 checkpatch.pl when the
linux-source-6.1 tarball is installed (skipped with the reason otherwise).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from core.gitutil import commit as git_commit
from core.gitutil import format_patch, git, init_repo
from helpers import REFERENCE_THREAD, need

from reviewer import open_source
from reviewer.checks.engine import RevisionReport, check_revision
from reviewer.checks.policy.checkpatch import diff_positions, parse_terse
from reviewer.checks.registry import get_rule
from reviewer.config import Config
from reviewer.model import ApplyResult, BaseChoice, PatchApply, PatchStatus, Series, Severity
from reviewer.tree.gitrepo import GitRepo

CHECKPATCH_FILES = ("scripts/checkpatch.pl", "scripts/spelling.txt",
                    "scripts/const_structs.checkpatch")
SOB = "Signed-off-by: Ann Author <ann@example.org>"
DATE = "2024-01-02T00:00:00+00:00"
DEMO_C = ("// SPDX-License-Identifier: GPL-2.0\n#include <linux/kernel.h>\n\n"
          "int demo(int a)\n{\n\tint b = a * 2;\n\n\treturn b;\n}\n")


def commit(repo: Path, files: dict[str, str], title: str) -> str:
    return git_commit(repo, files, f"{title}\n\nSay why.\n\n{SOB}", DATE)


def new_repo(path: Path, files: dict[str, str]) -> tuple[Path, str]:
    return path, init_repo(path, files)


def as_series(repo: Path, base: str, tip: str, tmp: Path) -> Series:
    mbox = tmp / f"{tip[:12]}.mbox"
    mbox.write_bytes(format_patch(repo, f"{base}..{tip}", "--thread"))
    return open_source(mbox).series[0]


def check(repo: Path, base: str, series: Series, *, version: int | None = None,
          config: Config | None = None, applied: str | None = None) -> RevisionReport:
    """Run POL005 on one revision with `base` as its base commit; `applied`
    makes the revision look applied with that commit as its tree."""
    rev = series.revisions[0] if version is None else series.revision(version)
    done = (PatchApply(1, "", PatchStatus.APPLIED, applied),) if applied else ()
    apply = ApplyResult(rev.version, BaseChoice(base, "--base", "test"), done, None)
    return check_revision(series, rev, apply, GitRepo(repo), config or Config(),
                          [get_rule("POL005")])


def kernel_files(src: Path) -> dict[str, str]:
    return {rel: (src / rel).read_text(encoding="utf-8") for rel in CHECKPATCH_FILES}


def test_diff_positions_map_patch_lines_to_post_image() -> None:
    diff = ("diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -3,3 +3,3 @@ f\n"
            " a\n-b\n+c\n d\n")
    pos = diff_positions(diff)
    assert pos[1] == ("f.c", None)
    assert pos[5] == ("f.c", 3) and pos[6] == ("f.c", 4) and pos[7] == ("f.c", 4)
    assert pos[8] == ("f.c", 5)


def test_parse_terse_lines_with_and_without_position() -> None:
    diff = "diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-x\n+y \n"
    out = ("-:3: WARNING:TYPO_SPELLING: 'untill' may be misspelled\n"
           "-:10: ERROR:TRAILING_WHITESPACE: trailing whitespace\n"
           "-:12: ERROR:MISSING_SIGN_OFF: Missing Signed-off-by: line(s)\n"
           "total: 2 errors\n")
    found = parse_terse(out, 4, diff)
    assert found == [
        ("WARNING", "TYPO_SPELLING", "'untill' may be misspelled", (None, None)),
        ("ERROR", "TRAILING_WHITESPACE", "trailing whitespace", ("f.c", 1)),
        ("ERROR", "MISSING_SIGN_OFF", "Missing Signed-off-by: line(s)", (None, None)),
    ]


def test_skipped_without_tree_or_script(tmp_path: Path) -> None:
    repo, base = new_repo(tmp_path / "t", {"fs/demo.c": DEMO_C})
    tip = commit(repo, {"fs/demo.c": DEMO_C + "\n"}, "demo: grow")
    series = as_series(repo, base, tip, tmp_path)
    outcome = check(repo, base, series).outcome("POL005")
    assert outcome is not None and outcome.status == "skipped"
    assert outcome.reason == "the tree has no scripts/checkpatch.pl"
    rev = series.revisions[0]
    no_tree = check_revision(series, rev, None, None, Config(), [get_rule("POL005")])
    assert no_tree.outcomes[0].reason == "no tree"


def test_skipped_without_perl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = new_repo(tmp_path / "t", {"scripts/checkpatch.pl": "exit 0;\n", "f.c": "x\n"})
    tip = commit(repo, {"f.c": "y\n"}, "f: change")
    monkeypatch.setattr("reviewer.checks.toolrun.find_perl", lambda: None)
    outcome = check(repo, base, as_series(repo, base, tip, tmp_path)).outcomes[0]
    assert (outcome.status, outcome.reason) == ("skipped", "perl not found")


def test_hung_checkpatch_is_killed(tmp_path: Path) -> None:
    # A child that keeps our pipes open must be killed too.
    hung = 'system("sleep", "60");\nsleep 60;\n'
    repo, base = new_repo(tmp_path / "t", {"scripts/checkpatch.pl": hung, "f.c": "x\n"})
    tip = commit(repo, {"f.c": "y\n"}, "f: change")
    start = time.monotonic()
    outcome = check(repo, base, as_series(repo, base, tip, tmp_path),
                    config=Config(checkpatch_timeout=1.0)).outcomes[0]
    assert time.monotonic() - start < 15
    assert outcome.status == "skipped"
    assert "timed out after 1 s" in outcome.reason


def test_stop_all_from_a_handler_that_interrupted_registration() -> None:
    """SIGTERM in a check worker runs stop_all() in the main thread, which
    may be the thread registering a perl at that moment: it must not wait
    for itself (the worker would hang until its parent kills it, leaving
    the perl behind).  In a child, so that a regression cannot hang us."""
    code = ("import os, signal\n"
            "from reviewer.checks import toolrun\n"
            "signal.signal(signal.SIGTERM, lambda *_: toolrun.stop_all())\n"
            "with toolrun._RUNNING_LOCK:\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "print('stopped')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=20,
                          check=False)
    assert done.stdout.decode().split() == ["stopped"], done.stderr.decode()


def marker_script(marker: Path) -> str:
    return f"open(my $fh, '>', '{marker}') or die;\nprint $fh \"ran\\n\";\nclose($fh);\n"


def test_script_a_patch_adds_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    repo, base = new_repo(tmp_path / "t", {"f.c": "x\n"})
    tip = commit(repo, {"scripts/checkpatch.pl": marker_script(marker)}, "scripts: add one")
    outcome = check(repo, base, as_series(repo, base, tip, tmp_path), applied=tip).outcomes[0]
    assert (outcome.status, outcome.reason) == ("skipped", "the tree has no scripts/checkpatch.pl")
    assert not marker.exists()


def test_base_script_runs_not_the_patched_one(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    benign = 'print "-:1: WARNING:FROM_BASE: the base script ran\\n";\nexit 1;\n'
    repo, base = new_repo(tmp_path / "t", {"scripts/checkpatch.pl": benign})
    tip = commit(repo, {"scripts/checkpatch.pl": marker_script(marker)}, "scripts: replace")
    report = check(repo, base, as_series(repo, base, tip, tmp_path), applied=tip)
    assert report.outcomes[0].status == "ran"
    assert [f.message for f in report.findings] == ["WARNING:FROM_BASE: the base script ran"]
    assert report.findings[0].severity is Severity.WARNING
    assert not marker.exists()



def test_no_maintainers_question_for_files_already_maintained(tmp_path: Path) -> None:
    """checkpatch asks "does MAINTAINERS need updating?" of every new file;
    when the base's MAINTAINERS covers it already (not by THE REST), the
    question is left out."""
    asks = 'print "-:1: WARNING:FILE_PATH_CHANGES: does MAINTAINERS need updating?\\n";\nexit 1;\n'
    maintainers = ("DEMO FILESYSTEM\nM:\tAnn Author <ann@example.org>\nS:\tMaintained\n"
                   "F:\tfs/demo/\n\nTHE REST\nM:\tLin Us <lin@example.org>\nF:\t*\nF:\t*/\n")
    repo, base = new_repo(tmp_path / "t", {"scripts/checkpatch.pl": asks,
                                           "MAINTAINERS": maintainers, "fs/demo/a.c": DEMO_C})
    inside = commit(repo, {"fs/demo/ioctl.c": DEMO_C}, "demo: add an ioctl file")
    assert check(repo, base, as_series(repo, base, inside, tmp_path)).findings == ()
    git(repo, "checkout", "-q", "--detach", base)
    outside = commit(repo, {"lib/demo_helper.c": DEMO_C}, "lib: add a demo helper")
    (finding,) = check(repo, base, as_series(repo, base, outside, tmp_path)).findings
    assert finding.message.startswith("WARNING:FILE_PATH_CHANGES")

@pytest.mark.kernel
def test_real_checkpatch_finds_trailing_whitespace(kernel_src: Path, tmp_path: Path) -> None:
    repo, base = new_repo(tmp_path / "t", {**kernel_files(kernel_src), "fs/demo.c": DEMO_C})
    at_8 = DEMO_C.replace("\treturn b;", "\tb += 1; \n\treturn b;")
    tip1 = commit(repo, {"fs/demo.c": at_8}, "demo: add one")
    git(repo, "checkout", "-q", "--detach", base)
    at_10 = DEMO_C.replace("\treturn b;", "\tb += a;\n\tb -= 2;\n\tb += 1; \n\treturn b;")
    tip2 = commit(repo, {"fs/demo.c": at_10}, "demo: add more")
    first = check(repo, base, as_series(repo, base, tip1, tmp_path)).findings
    second = check(repo, base, as_series(repo, base, tip2, tmp_path)).findings
    assert [(f.message, f.severity, f.file, f.line, f.patch) for f in first] == [
        ("ERROR:TRAILING_WHITESPACE: trailing whitespace", Severity.ERROR, "fs/demo.c", 8, 1)]
    assert [(f.file, f.line) for f in second] == [("fs/demo.c", 10)]
    assert first[0].fingerprint == second[0].fingerprint


@pytest.mark.kernel
def test_patch_replacing_real_checkpatch_is_not_run(kernel_src: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    repo, base = new_repo(tmp_path / "t", kernel_files(kernel_src))
    tip = commit(repo, {"scripts/checkpatch.pl": marker_script(marker)}, "checkpatch: replace")
    report = check(repo, base, as_series(repo, base, tip, tmp_path), applied=tip)
    assert report.outcomes[0].status == "ran"
    assert not marker.exists()


@pytest.mark.kernel
def test_reference_thread_v1_v4_have_no_errors(kernel_src: Path, tmp_path: Path) -> None:
    """Decoded, 6.1's checkpatch has nothing to say on v1 and v4 (fed the
    quoted-printable mails raw, it reports "patch seems to be corrupt")."""
    series = open_source(need(REFERENCE_THREAD)).series[0]
    repo, base = new_repo(tmp_path / "t", kernel_files(kernel_src))
    for version in (1, 4):
        report = check(repo, base, series, version=version)
        assert report.outcomes[0].status == "ran", report.outcomes
        assert not [f for f in report.findings if f.severity is Severity.ERROR]


def counting_script(log: Path) -> str:
    """A checkpatch.pl that logs each run and reports every input's first
    added line, named as checkpatch names it (`-` on stdin)."""
    return (f"open(my $log, '>>', '{log}') or die; print $log \"run\\n\"; close($log);\n"
            "for my $f (grep { !/^--/ } @ARGV) {\n"
            "  my $fh; if ($f eq '-') { $fh = *STDIN } else { open($fh, '<', $f) or die }\n"
            "  my $n = 0;\n"
            "  while (my $l = <$fh>) { $n++;\n"
            "    if ($l =~ /^\\+[^+]/) { print \"$f:$n: WARNING:FIRST_ADDED: here\\n\"; last } }\n"
            "}\nexit 0;\n")


@pytest.mark.parametrize("conf", ["", "--max-line-length=100\n", "--strict\n", "--subj\n"])
def test_one_perl_per_revision_unless_the_tree_asks_otherwise(conf: str, tmp_path: Path) -> None:
    """A revision's patches go to one checkpatch.pl, each finding still on its
    own patch, file and line; --strict (and its abbreviations) in the tree's
    .checkpatch.conf makes one run per patch, as CamelCase is then reported
    once per run."""
    log = tmp_path / "runs.log"
    files = {"scripts/checkpatch.pl": counting_script(log), "a.c": "a\n", "b.c": "b\n",
             "c.c": "c1\nc2\nc3\n"}
    repo, base = new_repo(tmp_path / "t", {**files, **({".checkpatch.conf": conf} if conf
                                                       else {})})
    for day, (name, text) in enumerate((("a.c", "a\nA\n"), ("b.c", "b\nB\n"),
                                        ("c.c", "c1\nc2\nC\nc3\n")), 2):
        tip = git_commit(repo, {name: text}, f"{name[0]}: add one\n\nSay why.\n\n{SOB}",
                         f"2024-01-0{day}T00:00:00+00:00")
    report = check(repo, base, as_series(repo, base, tip, tmp_path))
    assert report.outcomes[0].status == "ran", report.outcomes
    assert [(f.patch, f.file, f.line) for f in report.findings] == \
        [(1, "a.c", 2), (2, "b.c", 2), (3, "c.c", 3)]
    per_patch = "strict" in conf or "subj" in conf
    assert log.read_text().count("run") == (3 if per_patch else 1)
