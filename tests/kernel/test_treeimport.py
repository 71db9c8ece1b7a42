"""`reviewer tree import`: a tarball streamed into git fast-import.  Small
tarballs made here, and the real 6.1 one for interruption."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from core.gitutil import git
from helpers import ctrl_c_default

from reviewer.cli import main
from reviewer.tree.gitrepo import GitRepo
from reviewer.tree.importer import ImportError_, import_tarball

ROOT = Path(__file__).resolve().parents[2]


def make_tarball(path: Path, files: dict[str, bytes], top: str | None = "proj-1.0",
                 mode: str = "w:gz", extra: list[tarfile.TarInfo] | None = None) -> Path:
    with tarfile.open(path, mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size, info.mtime = len(data), 1_700_000_000
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return path


def link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, target, 1_700_000_000
    return info


FILES = {".gitignore": b"*\n", "Makefile": b"all:\n", "scripts/run.sh": b"#!/bin/sh\n",
         "fs/a b/\"odd\" name.c": b"int x;\n", "fs/namei.c": b"int lookup(void);\n"}


def entries(repo: Path, ref: str = "base") -> dict[str, tuple[str, bytes]]:
    objects = GitRepo(repo)
    out = {}
    for line in git(repo, "ls-tree", "-r", "-z", "--full-tree", ref).split("\0"):
        if line:
            meta, path = line.split("\t", 1)
            mode, _kind, sha = meta.split(" ")
            out[path] = (mode, objects.read_blob(sha))
    return out


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name)


def test_import_keeps_every_file(tmp_path: Path) -> None:
    extra = [link("proj-1.0/include/link.h", "../fs/namei.c", tarfile.SYMTYPE),
             link("proj-1.0/fs/copy.c", "proj-1.0/fs/namei.c", tarfile.LNKTYPE)]
    tarball = make_tarball(tmp_path / "proj.tar.gz", FILES, extra=extra)
    result = import_tarball(tarball, tmp_path / "repo")
    assert result.top == "proj-1.0" and result.files == len(FILES) + 2
    got = entries(tmp_path / "repo")
    assert got["scripts/run.sh"] == ("100755", b"#!/bin/sh\n")
    assert got[".gitignore"] == ("100644", b"*\n")  # imported, and it ignores nothing here
    assert got['fs/a b/"odd" name.c'] == ("100644", b"int x;\n")
    assert got["include/link.h"] == ("120000", b"../fs/namei.c")
    assert got["fs/copy.c"] == got["fs/namei.c"]
    repo = GitRepo(tmp_path / "repo")
    assert repo.repo.bare and repo.resolve("main") == repo.resolve("base") == result.commit
    # Same tarball, same commit: dates come from the tarball, not the clock.
    again = import_tarball(tarball, tmp_path / "repo2")
    assert again.commit == result.commit
    assert leftovers(tmp_path) == []


def test_formats_and_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = make_tarball(tmp_path / "p.tar", FILES, top=None, mode="w")
    assert import_tarball(plain, tmp_path / "plain").top is None
    assert "Makefile" in entries(tmp_path / "plain")
    xz = make_tarball(tmp_path / "p.tar.xz", FILES, mode="w:xz")
    assert import_tarball(xz, tmp_path / "xz").files == len(FILES)
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no xz/gzip: Python decompresses
    assert import_tarball(xz, tmp_path / "xz-py").commit == import_tarball(
        tmp_path / "p.tar.xz", tmp_path / "xz-py2").commit


def test_unsafe_members_are_skipped(tmp_path: Path) -> None:
    extra = [link("proj-1.0/../evil", "x", tarfile.SYMTYPE),
             link("proj-1.0/.git/config", "x", tarfile.SYMTYPE)]
    result = import_tarball(make_tarball(tmp_path / "t.tgz", FILES, extra=extra),
                            tmp_path / "repo")
    assert len(result.skipped) == 2 and all("unsafe path" in s for s in result.skipped)
    assert not any({".git", ".."} & set(p.split("/")) for p in entries(tmp_path / "repo"))


def test_checkout(tmp_path: Path) -> None:
    import_tarball(make_tarball(tmp_path / "t.tgz", FILES), tmp_path / "repo", checkout=True)
    assert (tmp_path / "repo" / "fs" / "namei.c").read_bytes() == b"int lookup(void);\n"
    assert os.access(tmp_path / "repo" / "scripts" / "run.sh", os.X_OK)
    assert git(tmp_path / "repo", "status", "--porcelain") == ""


@pytest.mark.parametrize("case", ["text", "missing", "exists", "truncated", "empty", "dir"])
def test_bad_input_is_one_line(tmp_path: Path, case: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    good = make_tarball(tmp_path / "good.tgz", FILES)
    dest = tmp_path / "repo"
    source = {"text": tmp_path / "notes.txt", "missing": tmp_path / "nope.tgz",
              "exists": good, "truncated": tmp_path / "cut.tgz", "empty": tmp_path / "e.tar",
              "dir": tmp_path}[case]
    (tmp_path / "notes.txt").write_text("hello\n" * 200)
    (tmp_path / "cut.tgz").write_bytes(good.read_bytes()[:200])
    make_tarball(tmp_path / "e.tar", {}, mode="w")
    if case == "exists":
        dest.mkdir()
        (dest / "keep").write_text("mine\n")
    with pytest.raises(ImportError_):
        import_tarball(source, dest)
    assert main(["tree", "import", str(source), str(dest)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("reviewer: ") and "\n" not in err and "Traceback" not in err
    assert leftovers(tmp_path) == []
    assert (dest / "keep").exists() if case == "exists" else not dest.exists()


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "t.tgz", {f"f{i}.c": b"x\n" * 100 for i in range(50)})
    seen: list[int] = []

    def cancelled() -> bool:
        seen.append(1)
        return len(seen) > 10

    with pytest.raises(KeyboardInterrupt):
        import_tarball(tarball, tmp_path / "repo", cancelled=cancelled)
    assert not (tmp_path / "repo").exists() and leftovers(tmp_path) == []


@pytest.mark.kernel
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_real_import(tarball: Path, tmp_path: Path, sig: int) -> None:
    """Interrupted half way through the 6.1 tarball: exit 130, no repository,
    no temporary directory, no git or xz left running."""
    dest = tmp_path / "linux"
    proc = subprocess.Popen([sys.executable, "-m", "reviewer.cli", "tree", "import",
                             str(tarball), str(dest)], cwd=ROOT, stderr=subprocess.PIPE,
                            preexec_fn=ctrl_c_default)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not dest.exists() and leftovers(tmp_path) == []
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(dest) not in ps
