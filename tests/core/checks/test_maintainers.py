"""MAINTAINERS parsing, the base's get_maintainer.pl, and POL013 (missing Cc).

Real git repositories and real perl; the real 6.1 MAINTAINERS and
get_maintainer.pl when the linux-source-6.1 tarball is installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from core.gitutil import commit, init_repo
from helpers import REFERENCE_THREAD, need

from reviewer import open_source
from reviewer.checks.engine import RevisionReport, check_revision
from reviewer.checks.maintainers import (
    Entry,
    entries_for,
    expected_recipients,
    parse_maintainers,
    pattern_matches,
    run_get_maintainer,
)
from reviewer.checks.registry import get_rule
from reviewer.config import Config
from reviewer.model import Address, ApplyResult, BaseChoice, BaseSource, Series
from reviewer.tree.gitrepo import GitRepo
from samples.build import THREAD_MBOX, build_tree

LKML = "linux-kernel@vger.kernel.org"

SMALL = """\
List of maintainers
===================

	M: *Mail* patches to: FullName <address@domain>
	F: drivers/net/	all files in and below drivers/net

Maintainers List
----------------

OVERLAY FILESYSTEM
M:	Miklos Szeredi <miklos@szeredi.hu>
R:	Amir Goldstein <amir73il@gmail.com>
L:	linux-unionfs@vger.kernel.org
S:	Supported
F:	Documentation/filesystems/overlayfs.rst

F:	fs/overlayfs/
X:	fs/overlayfs/legacy.c
K:	\\bovl_

ARM PORT
M:	Russell King <linux@armlinux.org.uk>
L:	linux-arm-kernel@lists.infradead.org (moderated for non-subscribers)
L:	arm-secret@example.org (subscribers-only)
S:	Odd Fixes
F:	arch/arm/*
F:	arch/arm/mach-?x/
N:	omap

PLAIN DIR
L:	plain@example.org
F:	lib/plain

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
L:	linux-kernel@vger.kernel.org
S:	Buried alive in reporters
F:	*
F:	*/
"""


@pytest.fixture(scope="module")
def kernel_repo(kernel_src: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repo whose one commit holds what get_maintainer.pl needs of 6.1."""
    repo = tmp_path_factory.mktemp("kernel") / "linux"
    files = ("MAINTAINERS", ".mailmap", "scripts/get_maintainer.pl")
    return repo, init_repo(repo, {f: (kernel_src / f).read_text() for f in files})


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tree = tmp_path_factory.mktemp("sample") / "tree"
    return tree, build_tree(tree)


def check(repo: Path | None, base: str | None, series: Series, version: int) -> RevisionReport:
    rev = series.revision(version)
    apply = ApplyResult(version, BaseChoice(base, "--base", "test"), (), None) if base else None
    return check_revision(series, rev, apply, GitRepo(repo) if repo else None, Config(),
                          [get_rule("POL013")])


def diff_of(*paths: str) -> str:
    return "".join(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n"
                   for p in paths)


def test_parse_entries_and_fields() -> None:
    entries = parse_maintainers(SMALL)
    assert [e.title for e in entries] == ["OVERLAY FILESYSTEM", "ARM PORT", "PLAIN DIR",
                                          "THE REST"]
    ovl = entries[0]
    assert ovl.maintainers == (Address("Miklos Szeredi", "miklos@szeredi.hu"),)
    assert ovl.reviewers == (Address("Amir Goldstein", "amir73il@gmail.com"),)
    assert ovl.lists == ("linux-unionfs@vger.kernel.org",)
    assert ovl.status == "Supported"
    # A blank line does not end an entry: the next title does.
    assert ovl.files == ("Documentation/filesystems/overlayfs.rst", "fs/overlayfs/")
    assert ovl.excludes == ("fs/overlayfs/legacy.c",)
    assert entries[1].lists == ("linux-arm-kernel@lists.infradead.org", "arm-secret@example.org")
    assert entries[1].regexes == ("omap",)
    assert entries[3].catch_all and not ovl.catch_all


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("fs/overlayfs/", "fs/overlayfs/namei.c", True),
    ("fs/overlayfs/", "fs/overlayfs/sub/dir.c", True),
    ("arch/arm/*", "arch/arm/Kconfig", True),
    ("arch/arm/*", "arch/arm/boot/x.S", False),  # `*` only at its own depth
    ("arch/arm/mach-?x/", "arch/arm/mach-mx/a.c", True),
    ("fs/dcache.c", "fs/dcache.c", True),
    ("fs/dcache.c", "fs/dcacheXc", False),  # `.` is literal
    ("lib/plain", "lib/plain/deep/x.c", True),  # a plain directory covers its subtree
    ("*/", "anything/at/all.c", True),
    ("*", "Makefile", True),
    ("*", "fs/namei.c", False),
])  # fmt: skip
def test_pattern_semantics_follow_get_maintainer(pattern: str, path: str, expected: bool) -> None:
    assert pattern_matches(pattern, path) is expected


def test_entries_for_and_expected_recipients() -> None:
    entries = parse_maintainers(SMALL)
    titles = [e.title for e in entries_for(entries, ["fs/overlayfs/namei.c"])]
    assert titles == ["OVERLAY FILESYSTEM", "THE REST"]
    assert [e.title for e in entries_for(entries, ["fs/overlayfs/legacy.c"])] == ["THE REST"]
    assert "ARM PORT" in [e.title for e in entries_for(entries, ["drivers/omap/x.c"])]  # N:
    assert expected_recipients(entries, ["fs/overlayfs/namei.c"]) == {
        "miklos@szeredi.hu", "amir73il@gmail.com", "linux-unionfs@vger.kernel.org"}
    # Moderated and subscribers-only lists count; THE REST does not.
    assert expected_recipients(entries, ["arch/arm/Kconfig"]) == {
        "linux@armlinux.org.uk", "linux-arm-kernel@lists.infradead.org",
        "arm-secret@example.org"}


# Patterns whose top directory is not spelled out, beside ones that are.
ODD = SMALL + """
WILD TOP
L:	wild@example.org
F:	driv*/odd/
F:	*/odd.c

TOP FILE
L:	top@example.org
F:	MAINTAINERS
"""
ODD_PATHS = ["fs/overlayfs/namei.c", "fs/overlayfs/legacy.c", "drivers/omap/x.c",
             "drivers/odd/a.c", "drivers2/odd/b.h", "net/odd.c", "MAINTAINERS",
             "MAINTAINERS.old", "lib/plain/x.c", "lib/plainer.c", "arch/arm/mach-ax/y.c",
             "Documentation/filesystems/overlayfs.rst", "README"]


def _every(entries: list[Entry], paths: list[str]) -> list[Entry]:
    return [e for e in entries if any(e.covers(p) for p in paths)]


@pytest.mark.parametrize("paths", [[p] for p in ODD_PATHS] + [ODD_PATHS[:3], ODD_PATHS[3:9]])
def test_the_index_by_top_directory_finds_what_trying_every_entry_finds(
        paths: list[str]) -> None:
    entries = parse_maintainers(ODD)
    assert entries_for(entries, paths) == _every(list(entries), paths)
    assert entries_for(list(entries), paths) == _every(list(entries), paths)  # any sequence


def test_the_index_on_the_real_maintainers(kernel_src: Path) -> None:
    entries = parse_maintainers((kernel_src / "MAINTAINERS").read_text())
    # Paths at and around what every 29th F: pattern names (the patterns'
    # own text: below, beside and inside what they name).
    named = sorted({f for e in entries for f in e.files})[::29]
    paths = sorted({p for f in named for p in (f.rstrip("/*?"), f.rstrip("/*?") + "x/y.c",
                                               f.replace("*", "q").replace("?", "z"))})
    assert len(paths) > 250
    for path in paths:
        assert entries_for(entries, [path]) == _every(list(entries), [path]), path


def test_get_maintainer_absent_or_perl_missing(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "t"
    base = init_repo(repo, {"MAINTAINERS": SMALL})
    assert run_get_maintainer(GitRepo(repo), base, diff_of("fs/overlayfs/a.c"), 10) is None
    head = commit(repo, {"scripts/get_maintainer.pl": "print 'x@example.org', \"\\n\";\n"},
                  "add script", "2024-01-02T00:00:00+00:00")
    assert run_get_maintainer(GitRepo(repo), head, diff_of("a.c"), 10) == ["x@example.org"]
    monkeypatch.setattr("reviewer.checks.toolrun.find_perl", lambda: None)
    assert run_get_maintainer(GitRepo(repo), head, diff_of("a.c"), 10) is None


def test_pol013_sample_thread(sample: tuple[Path, str]) -> None:
    """No get_maintainer.pl in the sample tree: our reading of MAINTAINERS."""
    tree, base = sample
    series = open_source(THREAD_MBOX).series[0]
    v3 = check(tree, base, series, 3)
    assert v3.outcomes[0].status == "ran"
    lists = {f.message.split()[1] for f in v3.findings if f.message.startswith("list ")}
    assert lists == {"linux-cifs@lists.example.org", "linux-debugfs@lists.example.org",
                     "ecryptfs@lists.example.org", "linux-exportfs@lists.example.org",
                     "linux-kernfs@lists.example.org", "linux-nfs@lists.example.org",
                     "linux-quota@lists.example.org"}
    nfs = next(f for f in v3.findings if "linux-nfs@" in f.message)
    assert "NFS SERVER (NFSD): fs/nfsd/nfs3xdr.c" in nfs.message
    assert any(f.message.startswith("maintainer Nora Dahl <nora.dahl@example.org>")
               for f in v3.findings)
    assert check(tree, base, series, 1).findings == ()
    assert check(tree, base, series, 4).findings == ()


def test_pol013_skips(sample: tuple[Path, str], tmp_path: Path) -> None:
    series = open_source(THREAD_MBOX).series[0]
    assert check(None, None, series, 1).outcomes[0].reason == "no tree"
    repo = tmp_path / "t"
    base = init_repo(repo, {"README": "x\n"})
    outcome = check(repo, base, series, 1).outcomes[0]
    assert (outcome.status, outcome.reason) == ("skipped", "the base tree has no MAINTAINERS")


@pytest.mark.kernel
def test_real_get_maintainer_agrees_with_our_reading(kernel_repo: tuple[Path, str]) -> None:
    repo, base = kernel_repo
    series = open_source(need(REFERENCE_THREAD)).series[0]
    entries = parse_maintainers((repo / "MAINTAINERS").read_text())
    for rev in series.revisions:
        text = "".join(p.diff + "\n" for p in rev.patches)
        named = run_get_maintainer(GitRepo(repo), base, text, 60)
        assert named is not None
        assert set(named) - {LKML} == expected_recipients(entries, rev.paths), rev.label
    v1 = run_get_maintainer(GitRepo(repo), base, series.revision(1).patches[0].diff, 60)
    assert v1 == ["miklos@szeredi.hu", "linux-unionfs@vger.kernel.org", LKML]


@pytest.mark.kernel
def test_real_get_maintainer_sees_plain_directories(kernel_src: Path, tmp_path: Path) -> None:
    """`F: lib/plain` names a directory only if it exists in the script's
    temporary tree: it must be created there from the base."""
    script = (kernel_src / "scripts" / "get_maintainer.pl").read_text()
    repo = tmp_path / "t"
    base = init_repo(repo, {"MAINTAINERS": SMALL, "lib/plain/deep/x.c": "a\n",
                            "scripts/get_maintainer.pl": script})
    named = run_get_maintainer(GitRepo(repo), base, diff_of("lib/plain/deep/x.c"), 60)
    assert named is not None and "plain@example.org" in named


@pytest.mark.kernel
def test_pol013_reference_thread(kernel_repo: tuple[Path, str]) -> None:
    repo, base = kernel_repo
    series = open_source(need(REFERENCE_THREAD)).series[0]
    assert check(repo, base, series, 1).findings == ()
    assert check(repo, base, series, 4).findings == ()
    v3 = check(repo, base, series, 3)
    missing = {f.message.split()[1] for f in v3.findings if f.message.startswith("list ")}
    assert missing == {"ecryptfs@vger.kernel.org", "linux-nfs@vger.kernel.org"}
    assert all(LKML not in f.message for f in v3.findings)  # THE REST is left out
    assert len({f.fingerprint for f in v3.findings}) == len(v3.findings)


@pytest.mark.parametrize(("tree_date", "span"), [
    ("2024-03-20T00:00:00+00:00", "15 days after the mail"),
    ("2027-01-01T00:00:00+00:00", "2.8 years after the mail"),
])
def test_pol013_says_whose_maintainers_when_the_base_is_unknown(
        tmp_path: Path, tree_date: str, span: str) -> None:
    """No base in the mail, the tree's HEAD stands in: the findings say
    whose MAINTAINERS was read and how far its date is from the mail's;
    years apart (it may name other people then), one info for all."""
    from mailfactory import mail, mbox

    repo = tmp_path / "t"
    base = init_repo(repo, {"MAINTAINERS": SMALL}, date=tree_date)
    series = open_source(mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x",
                                              to="Miklos Szeredi <miklos@szeredi.hu>"))).series[0]
    rev = series.revisions[0]
    apply = ApplyResult(rev.version, BaseChoice(base, BaseSource.HEAD, "no evidence"), (), None)
    report = check_revision(series, rev, apply, GitRepo(repo), Config(), [get_rule("POL013")])
    era = f"the MAINTAINERS of the tree's HEAD {base[:12]} ({tree_date[:10]}, {span}"
    if tree_date.startswith("2024"):
        assert {(f.severity.value, f.message.split(" is not")[0]) for f in report.findings} == {
            ("warning", "list linux-unionfs@vger.kernel.org"),
            ("warning", "reviewer Amir Goldstein <amir73il@gmail.com>")}
        assert all(f"; read from {era}" in f.message for f in report.findings)
    else:
        (finding,) = report.findings
        assert finding.severity.value == "info" and finding.message.startswith(f"by {era}")
        named = finding.message.split("these are not on To/Cc: ")[1]
        assert set(named.split("; ")) == {
            "list linux-unionfs@vger.kernel.org (OVERLAY FILESYSTEM)",
            "reviewer Amir Goldstein <amir73il@gmail.com> (OVERLAY FILESYSTEM)"}
