"""Run one of the kernel tree's own perl scripts (checkpatch.pl,
get_maintainer.pl) safely.

The script and the data files it reads are taken from a commit's git
objects (the revision's BASE, never the patched tree nor the user's working
tree) into a temporary directory laid out like the top of the tree; perl
runs there with an argument list (no shell), a scrubbed environment and a
timeout after which its whole process group is killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reviewer.tree.gitrepo import GitRepo

__all__ = ["ToolMissing", "ToolResult", "base_files", "find_perl", "run_perl", "stop_all"]


@dataclass(frozen=True)
class ToolResult:
    status: int | None  # None when it was killed on timeout
    stdout: str
    stderr: str
    timed_out: bool
    timeout: float

    @property
    def timeout_reason(self) -> str:
        return f"timed out after {self.timeout:g} s"


@dataclass(frozen=True)
class ToolMissing:
    """Why the tool could not be run at all; rules turn it into `Skipped`."""

    reason: str


def find_perl() -> str | None:
    return shutil.which("perl")


def _safe_relpath(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"refusing to materialise {path!r} outside the tree top")
    return rel


@contextmanager
def base_files(repo: GitRepo, commit: str, paths: Iterable[str],
               dirs: Iterable[str] = ()) -> Iterator[Path]:
    """A temporary tree top holding `paths` as they are at `commit` (those
    absent there are skipped) and the empty directories `dirs`, removed on
    exit.  Files are written read-only: the tools only need to read them."""
    with tempfile.TemporaryDirectory(prefix="reviewer-tool-") as tmp:
        top = Path(tmp)
        for d in dirs:
            (top / _safe_relpath(d)).mkdir(parents=True, exist_ok=True)
        for path in paths:
            data = repo.read_file(commit, path)
            if data is None:
                continue
            target = top / _safe_relpath(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o444)
        yield top


def _clean_env(top: Path) -> dict[str, str]:
    """Only what perl needs.  Dropping PERL5LIB/PERL5OPT (and every other
    PERL* or GIT_* variable) keeps the user's perl modules and repository out
    of the run; HOME points at the tree top so ~/.checkpatch.conf or
    ~/.get_maintainer.conf cannot change the results we cache."""
    return {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(top), "LC_ALL": "C",
            "TMPDIR": str(top)}


def run_perl(top: Path, script: str, args: Sequence[str], *, timeout: float,
             stdin: bytes | None = None) -> ToolResult | ToolMissing:
    """Run `perl <top>/<script> args...` with `top` as working directory."""
    perl = find_perl()
    if perl is None:
        return ToolMissing("perl not found")
    if not (top / _safe_relpath(script)).is_file():
        return ToolMissing(f"the tree has no {script}")
    if _STOPPED.is_set():
        return ToolMissing("interrupted")
    # A new session makes the script's children (git, which...) killable
    # with it: otherwise they would keep our pipes open past the timeout.
    proc = subprocess.Popen(
        [perl, script, *args], cwd=top, env=_clean_env(top), start_new_session=True,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
        if _STOPPED.is_set():
            _kill_group(proc)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return ToolResult(None, _text(out), _text(err), True, timeout)
    except BaseException:  # Ctrl-C: do not leave a perl behind
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    if _STOPPED.is_set():
        return ToolMissing("interrupted")
    return ToolResult(proc.returncode, _text(out), _text(err), False, timeout)


# The tools running in any thread, so that Ctrl-C or SIGTERM in the main
# thread ends them: a worker thread's perl would otherwise run on to its
# timeout while the process waits for that thread.  Reentrant: stop_all()
# runs in a signal handler, which may interrupt the main thread holding it.
_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.RLock()
_STOPPED = threading.Event()


def stop_all() -> None:
    """Kill every running tool's process group (in whatever thread it was
    started) and start no more: their rules are skipped as interrupted.
    For a process that is being interrupted."""
    with _RUNNING_LOCK:
        _STOPPED.set()
        for proc in _RUNNING:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")
