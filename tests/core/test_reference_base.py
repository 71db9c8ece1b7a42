"""The real overlayfs thread on its true base (../shared's base-5.7.bundle):
each revision's base found from its pre-image blobs alone (v1, v2, v4 on
overlayfs-next; v3 on mainline, tag v5.7-rc5), all 12 patches applied
cleanly, reproducing the post-image blobs of their `index` lines, and the
checks run at tree level on the real 5.7 files with the tree's own
checkpatch.pl and MAINTAINERS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.gitutil import git
from helpers import CORPUS, REFERENCE_THREAD, need

import reviewer
from reviewer.cli import main

BUNDLE = CORPUS / "overlayfs-dcache" / "base-5.7.bundle"


@pytest.fixture(scope="module")
def base_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(BUNDLE)
    need(REFERENCE_THREAD)
    root = tmp_path_factory.mktemp("base-5.7")
    git(root, "clone", "-q", str(BUNDLE), "tree")
    return root / "tree"


def test_each_revision_on_its_true_base(base_tree: Path) -> None:
    repo = reviewer.GitRepo(base_tree)
    series = reviewer.open_source(REFERENCE_THREAD).series[0]
    results = reviewer.apply_series(repo, series)
    overlayfs_next = git(base_tree, "rev-parse", "origin/overlayfs-next").strip()
    mainline = git(base_tree, "rev-parse", "origin/mainline").strip()
    assert git(base_tree, "rev-parse", "v5.7-rc5^{commit}").strip() == mainline
    expected = {1: (overlayfs_next, "overlayfs-next", 1), 2: (overlayfs_next, "overlayfs-next", 3),
                3: (mainline, "v5.7-rc5", 11), 4: (overlayfs_next, "overlayfs-next", 1)}
    for res in results:
        commit, name, blobs = expected[res.version]
        assert res.base is not None and res.base.source is reviewer.BaseSource.BLOBS
        assert (res.base.commit, res.base.name) == (commit, name), res.version
        assert (res.base.matched, res.base.blobs) == (blobs, blobs)
        assert res.base.evidence.startswith(f"blobs: {blobs}/{blobs} pre-images at {name}")
    v3 = results[2].base
    assert v3 is not None and v3.release == "v5.7-rc5"
    assert v3.evidence == ("blobs: 11/11 pre-images at v5.7-rc5 (also origin/mainline), "
                           "the release the mail names")
    statuses = [p.status for res in results for p in res.patches]
    assert statuses == [reviewer.PatchStatus.APPLIED] * 12
    # every patch reproduces the post-image blob its index line names
    for rev, res in zip(series.revisions, results, strict=True):
        for patch, done in zip(rev.patches, res.patches, strict=True):
            for change in patch.files:
                if change.new_blob and change.new_path:
                    blob = git(base_tree, "rev-parse", f"{done.commit}:{change.new_path}")
                    assert blob.startswith(change.new_blob), (rev.label, patch.index)


def test_checks_run_at_tree_level_on_real_5_7(base_tree: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(REFERENCE_THREAD), "--tree", str(base_tree), "--format", "json",
          "--no-cache"])
    revs = {r["label"]: r for r in json.loads(capsys.readouterr().out)["series"][0]["revisions"]}
    for rev in revs.values():
        assert rev["apply"]["applied"] and (rev["level"], rev["level_reason"]) == ("tree", None)
        # the tree's own scripts/checkpatch.pl and MAINTAINERS, from the base
        assert rev["rules"]["POL005"]["status"] == "ran"
        assert rev["rules"]["POL013"]["status"] == "ran"
        assert all(rev["rules"][f"RACE00{k}"]["level"] == "tree" for k in range(1, 9))

    def found(label: str, rule: str) -> list[dict[str, object]]:
        return [f for f in revs[label]["findings"] if f["rule"] == rule]

    # v1 unhashes without any lock: the race rules fire on the d_drop() line
    d_drop = [(f["file"], f["line"], f["level"]) for f in found("v1", "RACE001")]
    assert d_drop == [("fs/overlayfs/namei.c", 214, "tree")]
    assert [(f["line"]) for f in found("v1", "RACE003")] == [214]
    # v2 exports three VFS internals; its drop under the parent's lock is no race
    assert len(found("v2", "POL014")) == 3
    for label in ("v2", "v4"):
        assert not [f for f in revs[label]["findings"] if str(f["rule"]).startswith("RACE")]
    # v3 1/9 changes two prototypes before the callers follow, read from the tree
    (bisect,) = found("v3", "POL012")  # one cause, one finding, naming both
    assert bisect["level"] == "tree" and bisect["patch"] == 1
    assert bisect["patches"] == list(range(1, 9))
    assert all(f"{name}() from 3 to 4" in str(bisect["message"])
               for name in ("lookup_one_len_unlocked", "lookup_positive_unlocked"))
    # MAINTAINERS as of 5.7 (nfsd's maintainer then), not the reviewer's own
    assert any("J. Bruce Fields" in str(f["message"]) for f in found("v3", "POL013"))
