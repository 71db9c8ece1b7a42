"""POL008: the subject prefix against the touched files' history (or, when
they have none, their names and MAINTAINERS entries).  Real git repos."""

from __future__ import annotations

from pathlib import Path

import pytest
from core.gitutil import commit as git_commit
from core.gitutil import format_patch, git, init_repo

from reviewer import open_source
from reviewer.checks.engine import RevisionReport, check_revision
from reviewer.checks.policy.subject_prefix import history_prefixes, subject_prefix
from reviewer.checks.registry import get_rule
from reviewer.config import Config
from reviewer.model import ApplyResult, BaseChoice, Series
from reviewer.tree.gitrepo import GitRepo
from samples.build import THREAD_MBOX, build_tree

MAINTAINERS = "OVERLAYFS FILESYSTEM\nL:\tlinux-unionfs@example.org\nF:\tfs/overlayfs/\n"


def commit(repo: Path, files: dict[str, str], title: str) -> str:
    return git_commit(repo, files, f"{title}\n\nSigned-off-by: Ann Author <ann@example.org>",
                      "2024-01-02T00:00:00+00:00")


def as_series(repo: Path, base: str, tip: str, tmp: Path) -> Series:
    mbox = tmp / f"{tip[:12]}.mbox"
    mbox.write_bytes(format_patch(repo, f"{base}..{tip}", "--thread"))
    return open_source(mbox).series[0]


def check(repo: Path | None, base: str | None, series: Series,
          version: int | None = None) -> RevisionReport:
    rev = series.revisions[0] if version is None else series.revision(version)
    apply = ApplyResult(rev.version, BaseChoice(base, "--base", "test"), (), None) if base else None
    return check_revision(series, rev, apply, GitRepo(repo) if repo else None, Config(),
                          [get_rule("POL008")])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tree = tmp_path_factory.mktemp("sample") / "tree"
    return tree, build_tree(tree)


def on_sample(sample: tuple[Path, str], tmp_path: Path, title: str,
              path: str = "fs/overlayfs/namei.c") -> RevisionReport:
    """A one-patch revision with `title` touching `path` of the sample tree."""
    tree, base = sample
    git(tree, "checkout", "-q", "--detach", base)
    text = (tree / path).read_text()
    tip = commit(tree, {path: text + "/* more */\n"}, title)
    return check(tree, base, as_series(tree, base, tip, tmp_path))


@pytest.mark.parametrize(("title", "prefix"), [
    ("ovl: drop negative dentries", "ovl"),
    ("fs/dcache: Introduce a new lookup flag", "fs/dcache"),
    ("net: ieee802154: fix a leak", "net: ieee802154"),
    ("drm/i915/gt: keep it", "drm/i915/gt"),
    ('Revert "ovl: drop negative dentries"', None),
    ("drop negative dentries", None),
])  # fmt: skip
def test_subject_prefix(title: str, prefix: str | None) -> None:
    assert subject_prefix(title) == prefix


def test_history_prefixes_count() -> None:
    counts = history_prefixes(["ovl: a", "ovl: b", "vfs: c", "Merge tag 'x'", "net: phy: d"])
    assert counts == {"ovl": 2, "vfs": 1, "net: phy": 1}


def test_sample_thread_prefixes_match_history(sample: tuple[Path, str]) -> None:
    tree, base = sample
    series = open_source(THREAD_MBOX).series[0]
    for rev in series.revisions:
        report = check(tree, base, series, rev.version)
        assert report.outcomes[0].status == "ran"
        assert report.findings == (), rev.label


def test_wrong_prefix_is_flagged_with_the_usual_one(sample: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    report = on_sample(sample, tmp_path, "cifs: drop negative dentries")
    [finding] = report.findings
    assert finding.patch == 1
    assert "'cifs'" in finding.message and "'ovl' (1)" in finding.message
    # Case and spacing do not matter.
    assert on_sample(sample, tmp_path, "OVL: drop negative dentries").findings == ()


def test_missing_prefix_is_flagged(sample: tuple[Path, str], tmp_path: Path) -> None:
    [finding] = on_sample(sample, tmp_path, "drop negative dentries").findings
    assert "has no subsystem prefix" in finding.message and "'ovl'" in finding.message


def test_without_history_names_and_maintainers_decide(tmp_path: Path) -> None:
    repo = tmp_path / "t"
    base = init_repo(repo, {"MAINTAINERS": MAINTAINERS, "README": "x\n"})
    good = commit(repo, {"fs/overlayfs/namei.c": "int x;\n"}, "ovl: add lookup")
    assert check(repo, base, as_series(repo, base, good, tmp_path)).findings == ()
    git(repo, "checkout", "-q", "--detach", base)
    bad = commit(repo, {"fs/overlayfs/namei.c": "int x;\n"}, "nfsd: add lookup")
    [finding] = check(repo, base, as_series(repo, base, bad, tmp_path)).findings
    assert "no history" in finding.message and "overlayfs" in finding.message


def test_skipped_without_tree() -> None:
    series = open_source(THREAD_MBOX).series[0]
    assert check(None, None, series, 1).outcomes[0].reason == "no tree"
