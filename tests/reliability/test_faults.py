"""Faults injected while `reviewer apply` and `reviewer check` work on a real
git tree: a conflict mid-series, a missing base, a dirty tree, a locked
index, a cache that cannot be written (read-only, disk full, /dev/full) or
is corrupt or written by two processes at once, SIGINT and SIGTERM
mid-apply, two reviewers on one tree, no perl, a checkpatch that hangs.

After each: the user's refs, index bytes and working tree are what they
were (tests/core/gitutil.py `user_state`), no worktree or temporary
directory is left (a per-test TMPDIR), the cache is intact or rebuilt, and
the next run succeeds."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from core.gitutil import (
    SeriesRepo,
    commit,
    git,
    long_series,
    reviewer_refs,
    user_state,
    write_files,
)
from helpers import alive, ctrl_c_default
from reliability.common import (
    ROOT,
    assert_clean_exit,
    error_line,
    leftovers,
    reviewer_argv,
    run_cli,
    run_sub,
    sub_env,
    worktrees,
)

import reviewer
from reviewer.store.cache import ResultCache

# -- trees ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SeriesRepo:
    return SeriesRepo(tmp_path_factory.mktemp("series"))


@pytest.fixture
def series(built: SeriesRepo, tmp_path: Path) -> SeriesRepo:
    """A copy of the two-revision SeriesRepo tree (v1 2/3 conflicts on HEAD)."""
    clone = copy.copy(built)
    clone.repo = tmp_path / "tree"
    shutil.copytree(built.repo, clone.repo, symlinks=True)
    return clone


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache" / "cache.sqlite3"
    monkeypatch.setenv("REVIEWER_CACHE", str(path))
    return path


def cache_intact(path: Path) -> bool:
    """Absent (never written), or a database that passes integrity_check."""
    if not path.exists():
        return True
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return bool(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def settled(repo: Path, before: dict[str, object], tmpdir: Path, cache_path: Path,
            mbox: Path, capsys: pytest.CaptureFixture[str], *more: str) -> None:
    """What must hold after any fault, and the next run must succeed (`apply`
    exits 1 when a revision does not apply, as with `--base main` below)."""
    assert user_state(repo) == before
    assert len(worktrees(repo)) == 1
    assert leftovers(tmpdir) == []
    assert cache_intact(cache_path)
    code, _out, err = run_cli(["apply", str(mbox), "--tree", str(repo), "--json", *more], capsys)
    assert_clean_exit(code, err, (0, 1) if more else (0,))
    code, _out, err = run_cli(["check", str(mbox), "--tree", str(repo), "--format", "json",
                               *more], capsys)
    assert_clean_exit(code, err, (0, 1))
    assert user_state(repo) == before and leftovers(tmpdir) == []
    assert cache_intact(cache_path)


def statuses(out: str) -> dict[int, list[str]]:
    (s,) = json.loads(out)["series"]
    return {r["version"]: [p["status"] for p in r["patches"]] for r in s["revisions"]}


# -- conflicts, bases, dirty and locked trees ------------------------------------------

def test_conflict_mid_series(series: SeriesRepo, tmpdir_env: Path, cache: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    before = user_state(series.repo)
    # on the moved HEAD, not the base the blobs find (where all applies)
    code, out, err = run_cli(["apply", str(series.plain), "--tree", str(series.repo), "--json",
                              "--base", "main"], capsys)
    assert code == 1, err
    assert statuses(out)[1] == ["applied", "failed", "not-tried"]
    tip = reviewer_refs(series.repo)
    assert len(tip) == 2  # v1 up to 1/3, v2 whole
    settled(series.repo, before, tmpdir_env, cache, series.plain, capsys, "--base", "main")
    assert reviewer_refs(series.repo) == tip  # the next run writes the same commits


def test_missing_base(series: SeriesRepo, tmpdir_env: Path, cache: Path, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    """A base-commit the tree lacks: the blobs find the base, and the reason
    says the base-commit is not there; an unknown --base: one line, exit 2,
    nothing written."""
    mbox = tmp_path / "unknown-base.mbox"
    mbox.write_bytes(series.based.read_bytes().replace(
        f"base-commit: {series.base}".encode(), b"base-commit: " + b"d" * 40))
    before = user_state(series.repo)
    code, out, err = run_cli(["apply", str(mbox), "--tree", str(series.repo), "--json"], capsys)
    assert code == 0, err
    (s,) = json.loads(out)["series"]
    for rev in s["revisions"]:
        assert rev["base"]["source"] == "blobs" and rev["base"]["commit"] == series.base
        assert rev["base"]["reason"].startswith(f"base-commit {'d' * 12} is not in the tree; ")
    for args in (["apply", str(mbox)], ["check", str(mbox)]):
        code, _out, err = run_cli([*args, "--tree", str(series.repo), "--base", "no-such-ref"],
                                  capsys)
        assert code == 2 and error_line(err) == (
            f"reviewer: --base 'no-such-ref': no such commit in {series.repo}")
    settled(series.repo, before, tmpdir_env, cache, mbox, capsys)


def make_dirty(repo: Path) -> None:
    """A stash entry, a staged change, an unstaged change, untracked files."""
    write_files(repo, {"a.c": "stashed work\n"})
    git(repo, "stash", "push", "-q", "-m", "wip", date="2024-03-02T00:00:00+00:00")
    write_files(repo, {"README": "staged edit\n"})
    git(repo, "add", "README")
    write_files(repo, {"b.c": (repo / "b.c").read_text() + "unstaged\n", "new/untracked.c": "x\n"})


def test_dirty_user_tree(series: SeriesRepo, tmpdir_env: Path, cache: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    make_dirty(series.repo)
    before = user_state(series.repo)
    code, out, err = run_cli(["apply", str(series.based), "--tree", str(series.repo), "--json"],
                             capsys)
    assert code == 0, err
    assert statuses(out) == {1: ["applied"] * 3, 2: ["applied"] * 3}
    settled(series.repo, before, tmpdir_env, cache, series.based, capsys)


def test_locked_index(series: SeriesRepo, tmpdir_env: Path, cache: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    """`.git/index.lock` present (another git is committing): we never take
    that lock, so apply and check work, and the lock is left as it was."""
    lock = series.repo / ".git" / "index.lock"
    lock.write_bytes(b"held by someone else")
    before = user_state(series.repo)
    code, _out, err = run_cli(["apply", str(series.based), "--tree", str(series.repo)], capsys)
    assert code == 0, err
    assert lock.read_bytes() == b"held by someone else"
    settled(series.repo, before, tmpdir_env, cache, series.based, capsys)
    assert lock.read_bytes() == b"held by someone else"


# -- the cache -----------------------------------------------------------------------------

def _check_json(mbox: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    code, out, err = run_cli(["check", str(mbox), "--format", "json", *extra], capsys)
    assert_clean_exit(code, err, (0, 1))
    data = json.loads(out)
    for s in data["series"]:  # whether a result came from the cache is no finding
        for rev in s["revisions"]:
            for rule in rev["rules"].values():
                rule.pop("cached")
    return data


@pytest.fixture
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return reviewer.write_sample(tmp_path_factory.mktemp("sample") / "s")


def _sub_check(mbox: Path, cache_path: Path, *extra: str) -> dict[str, object]:
    """`reviewer check` as its own process (as a user runs it: no
    connection of an earlier run is still open on the cache)."""
    proc = run_sub(["check", str(mbox), "--format", "json", *extra],
                   env={"REVIEWER_CACHE": str(cache_path)})
    assert_clean_exit(proc.returncode, proc.stderr.decode(), (0, 1))
    data = json.loads(proc.stdout)
    for s in data["series"]:
        for rev in s["revisions"]:
            for rule in rev["rules"].values():
                rule.pop("cached")
    return data


def test_corrupt_cache_is_rebuilt(sample: tuple[Path, Path], tmp_path: Path) -> None:
    """Not a database, or a real cache cut short: rebuilt, same report."""
    _tree, mbox = sample
    cache_path = tmp_path / "cache.sqlite3"
    want = _sub_check(mbox, cache_path, "--no-cache")
    assert _sub_check(mbox, cache_path) == want
    real = cache_path.read_bytes()
    assert not list(tmp_path.glob("cache.sqlite3-*"))  # the last connection checkpointed
    for garbage in (b"this is not a database" * 100, real[: len(real) // 2], real[:100]):
        cache_path.write_bytes(garbage)
        assert _sub_check(mbox, cache_path) == want
        assert cache_intact(cache_path)
        assert _sub_check(mbox, cache_path) == want


def test_cache_on_dev_full_is_left_alone(sample: tuple[Path, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """REVIEWER_CACHE naming /dev/full (through a symlink): every write
    fails.  The run works without a cache; the device and the link stay."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    _tree, mbox = sample
    link = tmp_path / "cache.sqlite3"
    link.symlink_to("/dev/full")
    monkeypatch.setenv("REVIEWER_CACHE", str(link))
    want = _check_json(mbox, capsys, "--no-cache")
    assert _check_json(mbox, capsys) == want
    assert link.is_symlink() and Path("/dev/full").is_char_device()


def test_cache_path_under_a_file(sample: tuple[Path, Path], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    _tree, mbox = sample
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("REVIEWER_CACHE", str(tmp_path / "afile" / "cache.sqlite3"))
    assert _check_json(mbox, capsys) == _check_json(mbox, capsys, "--no-cache")


def _can(wrap: list[str]) -> bool:
    try:
        return subprocess.run([*wrap, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# root ignores file modes: run without the capabilities that let it
NO_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def test_cache_in_a_read_only_directory(sample: tuple[Path, Path], tmp_path: Path) -> None:
    """A cache (a valid one, in WAL mode) in a directory we may not write:
    SQLite cannot open it for writing; the run goes on without the cache,
    and the cache file is not deleted."""
    wrap = NO_DAC if os.geteuid() == 0 else []
    if wrap and not _can(wrap):
        pytest.skip("cannot drop root's file-permission override (setpriv)")
    _tree, mbox = sample
    ro = tmp_path / "ro"
    ro.mkdir()
    env = {"REVIEWER_CACHE": str(ro / "cache.sqlite3")}
    first = run_sub(["check", str(mbox), "--format", "json"], env=env)
    assert first.returncode in (0, 1), first.stderr
    for extra in ro.glob("cache.sqlite3-*"):
        extra.unlink()
    saved = (ro / "cache.sqlite3").read_bytes()
    ro.chmod(0o500)
    try:
        proc = run_sub(["check", str(mbox), "--format", "json"], env=env, wrap=wrap)
        assert_clean_exit(proc.returncode, proc.stderr.decode(), (0, 1))
        assert json.loads(proc.stdout)["series"] == json.loads(first.stdout)["series"]
        assert (ro / "cache.sqlite3").read_bytes() == saved
    finally:
        ro.chmod(0o700)


UNSHARE = ["unshare", "--mount", "--propagation", "private", "--"]


def test_cache_on_a_full_disk(sample: tuple[Path, Path], tmp_path: Path) -> None:
    """The cache on a tmpfs that fills up while findings are written
    (mounted in a private mount namespace): no crash, the same report."""
    if os.geteuid() != 0 or not _can(UNSHARE):
        pytest.skip("needs root and `unshare --mount` to mount a small tmpfs")
    _tree, mbox = sample
    disk = tmp_path / "disk"
    disk.mkdir()
    want = run_sub(["check", str(mbox), "--format", "json", "--no-cache"])
    script = (f"mount -t tmpfs -o size=128k tmpfs {disk} && "
              f"head -c 100000 /dev/zero > {disk}/filler && exec \"$@\"")
    proc = run_sub(["check", str(mbox), "--format", "json"], wrap=[*UNSHARE, "sh", "-c", script,
                   "sh"], env={"REVIEWER_CACHE": str(disk / "cache.sqlite3")})
    assert_clean_exit(proc.returncode, proc.stderr.decode(), (0, 1))
    assert proc.stdout == want.stdout


def test_cache_locked_by_another_writer_is_not_deleted(
        sample: tuple[Path, Path], cache: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Another process holds the cache's write lock past our timeout (a new
    database, not yet in WAL mode): the run goes on without the cache, and
    the other process's database is not deleted under it."""
    _tree, mbox = sample
    cache.parent.mkdir()
    other = sqlite3.connect(cache, isolation_level=None)
    other.execute("CREATE TABLE theirs (x)")
    other.execute("INSERT INTO theirs VALUES (1)")
    other.execute("BEGIN EXCLUSIVE")
    real_connect = sqlite3.connect
    monkeypatch.setattr("reviewer.store.cache.sqlite3.connect",
                        lambda *a, **k: real_connect(*a, **{**k, "timeout": 0.2}))
    try:
        assert _check_json(mbox, capsys) == _check_json(mbox, capsys, "--no-cache")
    finally:
        other.execute("COMMIT")
        other.close()
    assert cache.exists() and cache_intact(cache)
    assert real_connect(cache).execute("SELECT x FROM theirs").fetchall() == [(1,)]


def test_cache_written_by_two_processes_at_once(sample: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    tree, mbox = sample
    before = user_state(tree)
    env = sub_env({"REVIEWER_CACHE": str(tmp_path / "shared.sqlite3")})
    procs = [subprocess.Popen(reviewer_argv(["check", str(mbox), "--tree", str(tree),
                                             "--format", "json"]),
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert_clean_exit(p.returncode, err.decode(), (0, 1))
    reports = [json.loads(out) for out, _err in outs]
    for r in reports:
        for s in r["series"]:
            for rev in s["revisions"]:
                for rule in rev["rules"].values():
                    rule.pop("cached")
    assert reports[0] == reports[1] == reports[2]
    assert cache_intact(tmp_path / "shared.sqlite3")
    again = run_sub(["check", str(mbox), "--tree", str(tree), "--format", "json"],
                    env={"REVIEWER_CACHE": str(tmp_path / "shared.sqlite3")})
    ran = [rule for s in json.loads(again.stdout)["series"] for rev in s["revisions"]
           for rule in rev["rules"].values() if rule["status"] == "ran"]
    assert ran and all(rule["cached"] for rule in ran)
    assert user_state(tree) == before and len(worktrees(tree)) == 1


def test_cache_writes_from_threads_and_a_reader(tmp_path: Path) -> None:
    """The library: writers in threads while another connection reads."""
    path = tmp_path / "c.sqlite3"
    caches = [ResultCache(path) for _ in range(4)]
    errors: list[BaseException] = []

    def write(c: ResultCache, n: int) -> None:
        try:
            for i in range(50):
                c.put(f"k{n}-{i}", "POL001", "diff", [])
                c.get(f"k{(n + 1) % 4}-{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c, n)) for n, c in enumerate(caches)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(ResultCache(path).get(f"k{n}-49") == ("diff", []) for n in range(4))
    assert cache_intact(path)


# -- signals -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return long_series(tmp_path_factory.mktemp("long"), count=30)


@pytest.mark.parametrize("sig, code, line", [(signal.SIGINT, 130, "reviewer: interrupted"),
                                             (signal.SIGTERM, 143, "reviewer: terminated")])
def test_signal_mid_apply(sig: signal.Signals, code: int, line: str, tmp_path: Path,
                          long_built: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                          tmpdir_env: Path, cache: Path) -> None:
    """SIGINT or SIGTERM once the temporary index exists: the process ends
    with one line (130 / 143), its temporary directory removed, and only
    refs/reviewer/ written."""
    repo, mbox = tmp_path / "tree", long_built[1]
    shutil.copytree(long_built[0], repo, symlinks=True)
    write_files(repo, {"f01.c": "dirty\n", "untracked.txt": "x\n"})
    git(repo, "add", "f01.c")
    before = user_state(repo)
    proc = subprocess.Popen(reviewer_argv(["apply", str(mbox), "--tree", str(repo)]),
                            cwd=tmp_path, env=sub_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=ctrl_c_default)
    deadline = time.monotonic() + 60
    sent = False
    while proc.poll() is None and time.monotonic() < deadline:
        if leftovers(tmpdir_env):  # applying has started
            time.sleep(0.05)
            proc.send_signal(sig)
            sent = True
            break
        time.sleep(0.002)
    _out, err = proc.communicate(timeout=60)
    stderr = err.decode()
    assert "Traceback" not in stderr
    if sent and proc.returncode != 0:  # (0: it finished before the signal came)
        assert proc.returncode == code, stderr
        assert stderr.strip().splitlines()[-1] == line
    assert all(name.startswith("refs/reviewer/") for name in reviewer_refs(repo))
    settled(repo, before, tmpdir_env, cache, mbox, capsys)


def test_two_reviewers_on_one_tree(sample: tuple[Path, Path], tmp_path: Path,
                                   tmpdir_env: Path) -> None:
    """Four `reviewer apply` at once on the same tree: all succeed, and the
    refs are those one run writes (the commits are deterministic)."""
    tree, mbox = sample
    single = tmp_path / "single"
    shutil.copytree(tree, single, symlinks=True)
    assert run_sub(["apply", str(mbox), "--tree", str(single)]).returncode == 0
    want = reviewer_refs(single)
    before = user_state(tree)
    for _round in range(2):
        env = sub_env({"REVIEWER_CACHE": str(tmp_path / f"c{_round}.sqlite3")})
        procs = [subprocess.Popen(reviewer_argv(["apply", str(mbox), "--tree", str(tree)]),
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(4)]
        for p in procs:
            _out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()
        assert reviewer_refs(tree) == want
        git(tree, "fsck", "--no-progress", "--no-dangling")
    assert user_state(tree) == before
    assert leftovers(tmpdir_env) == [] and len(worktrees(tree)) == 1


# -- perl and checkpatch ----------------------------------------------------------------

BENIGN = "#!/usr/bin/perl\nwhile (<STDIN>) {}\nexit 0;\n"


def hung_checkpatch(pids: Path) -> str:
    """A checkpatch.pl that records its pid and a child's, then sleeps."""
    return ("#!/usr/bin/perl\n"
            f"open(my $f, '>', '{pids}') or die;\n"
            "my $kid = fork();\n"
            "if ($kid == 0) { exec('sleep', '60'); }\n"
            "print $f \"$$\\n$kid\\n\"; close($f);\n"
            "sleep 60;\n")


def with_checkpatch(series: SeriesRepo, script: str) -> None:
    """checkpatch.pl on main: the tests below put the revisions there with
    `--base main` (the blobs would choose base0, which has none)."""
    commit(series.repo, {"scripts/checkpatch.pl": script}, "scripts: add checkpatch.pl",
           "2024-03-05T00:00:00+00:00")


def test_no_perl(series: SeriesRepo, tmp_path: Path, tmpdir_env: Path, cache: Path,
                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """PATH without perl: checkpatch is skipped with the reason, the rest runs."""
    with_checkpatch(series, BENIGN)
    before = user_state(series.repo)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("perl") is None
    code, out, err = run_cli(["check", str(series.plain), "--tree", str(series.repo),
                              "--format", "json", "--base", "main"], capsys)
    assert_clean_exit(code, err, (0, 1))
    for s in json.loads(out)["series"]:
        for rev in s["revisions"]:
            assert rev["rules"]["POL005"] == {**rev["rules"]["POL005"], "status": "skipped",
                                              "reason": "perl not found"}
    settled(series.repo, before, tmpdir_env, cache, series.plain, capsys, "--base", "main")


def test_hung_checkpatch_times_out(series: SeriesRepo, tmp_path: Path, tmpdir_env: Path,
                                   cache: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """checkpatch.pl (from the base) that never ends: stopped after the
    configured timeout with its whole process group, and reported skipped."""
    pids = tmp_path / "pids"
    with_checkpatch(series, hung_checkpatch(pids))
    config = tmp_path / "config.toml"
    config.write_text("[checkpatch]\ntimeout = 1\n")
    monkeypatch.setenv("REVIEWER_CONFIG", str(config))
    before = user_state(series.repo)
    start = time.monotonic()
    code, out, err = run_cli(["check", str(series.plain), "--tree", str(series.repo),
                              "--format", "json", "--select", "POL005", "--base", "main"],
                             capsys)
    assert_clean_exit(code, err, (0, 1))
    assert time.monotonic() - start < 20  # one 1 s timeout per revision, not 60 s
    for s in json.loads(out)["series"]:
        for rev in s["revisions"]:
            outcome = rev["rules"]["POL005"]
            assert (outcome["status"], outcome["reason"]) == ("skipped",
                                                              "checkpatch timed out after 1 s")
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid), pid
    settled(series.repo, before, tmpdir_env, cache, series.plain, capsys, "--base", "main")


@pytest.mark.parametrize("sig, code, line", [(signal.SIGINT, 130, "reviewer: interrupted"),
                                             (signal.SIGTERM, 143, "reviewer: terminated")])
def test_signal_while_checkpatch_hangs(sig: signal.Signals, code: int, line: str,
                                       series: SeriesRepo, tmp_path: Path,
                                       tmpdir_env: Path) -> None:
    """SIGINT or SIGTERM while the (hung) checkpatch runs in a worker
    thread: reviewer ends at once with one line (130 / 143); perl, its
    child and the temporary tree top are gone."""
    pids = tmp_path / "pids"
    with_checkpatch(series, hung_checkpatch(pids))
    config = tmp_path / "config.toml"
    config.write_text("[checkpatch]\ntimeout = 60\n")
    before = user_state(series.repo)
    proc = subprocess.Popen(
        reviewer_argv(["check", str(series.plain), "--tree", str(series.repo),
                       "--select", "POL005", "--base", "main"]),
        cwd=tmp_path, env=sub_env({"REVIEWER_CONFIG": str(config),
                                   "REVIEWER_CACHE": str(tmp_path / "c.sqlite3")}),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=ctrl_c_default)
    deadline = time.monotonic() + 60
    while not (pids.exists() and len(pids.read_text().split()) == 2):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    start = time.monotonic()
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=30)
    assert time.monotonic() - start < 10
    assert proc.returncode == code, err.decode()
    assert err.decode().strip().splitlines()[-1] == line
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid), pid
    assert leftovers(tmpdir_env) == []
    assert user_state(series.repo) == before
