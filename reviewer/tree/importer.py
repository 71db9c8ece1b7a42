"""A kernel source tarball (e.g. Debian's linux-source-6.1) turned into a git
repository with one base commit, without unpacking it to disk.

The tar members are streamed into `git fast-import` (blobs as they arrive,
then one commit naming them all), so nothing goes through a working tree and
the tarball's own `.gitignore` (which ignores most of the top level) plays no
part.  Decompression runs in the `xz`/`gzip`/`bzip2`/`zstd` tools when they
are installed (xz decompresses multi-block files on several threads), else in
Python.  The repository is built in a sibling temporary directory and renamed
to DIR only when complete, so Ctrl-C or an error never leaves half a repo.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from reviewer.errors import ReviewerError, TreeError
from reviewer.tree.gitrepo import GitRepo, init_repository

__all__ = ["BASE_TAG", "ImportError_", "ImportResult", "import_tarball"]

BASE_TAG = "base"
BRANCH = "main"
IDENTITY = "reviewer tree import <reviewer@localhost>"
_CHUNK = 1 << 20
# (magic bytes, decompressing command, tarfile stream mode when the tool is absent)
_FORMATS: tuple[tuple[bytes, tuple[str, ...], str], ...] = (
    (b"\xfd7zXZ\x00", ("xz", "-dc", "-T0"), "r|xz"),
    (b"\x1f\x8b", ("gzip", "-dc"), "r|gz"),
    (b"BZh", ("bzip2", "-dc"), "r|bz2"),
    (b"\x28\xb5\x2f\xfd", ("zstd", "-dc", "-q"), ""),
)

Progress = Callable[[int, int, int], None]  # (bytes read, tarball size, files so far)


class ImportError_(ReviewerError):
    """The tarball cannot be imported (not a tarball, DIR exists, git failed)."""

    title = "import"


@dataclass(frozen=True)
class ImportResult:
    path: Path
    commit: str
    files: int
    size: int  # bytes of file content
    skipped: tuple[str, ...]  # members not imported (devices, unsafe paths), with why
    top: str | None  # the leading directory stripped from every path
    seconds: float


def _fail(message: str) -> ImportError_:
    return ImportError_(message)


def _check_dest(dest: Path) -> None:
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        raise _fail(f"{dest}: exists (give a new directory)")
    if not dest.parent.is_dir():
        raise _fail(f"{dest.parent}: no such directory")


def _sniff(tarball: Path) -> tuple[tuple[str, ...] | None, str]:
    """The decompressing command (None: plain tar or the tool is missing) and
    the tarfile stream mode to use on what it (or the file) yields."""
    try:
        with tarball.open("rb") as fh:
            head = fh.read(512)
    except IsADirectoryError:
        raise _fail(f"{tarball}: is a directory, not a tarball") from None
    except OSError as exc:
        raise _fail(f"{tarball}: {exc.strerror or exc}") from None
    for magic, command, mode in _FORMATS:
        if head.startswith(magic):
            if shutil.which(command[0]):
                return command, "r|"
            if not mode:
                raise _fail(f"{tarball}: compressed with {command[0]}, which is not installed")
            return None, mode
    if len(head) == 512 and head[257:262] == b"ustar":
        return None, "r|"
    raise _fail(f"{tarball}: not a tarball (neither tar nor a compressed tar)")


def _safe(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.lstrip("/"))
    parts = path.parts
    if not parts or any(p in ("..", "") for p in parts) or any(
            p.lower() == ".git" for p in parts):
        return None
    return path


def _quote(path: str) -> bytes:
    """fast-import's C-style quoting, so any byte but NUL survives."""
    raw = path.encode("utf-8", "surrogateescape")
    if not any(c in raw for c in b'"\\\n') and not raw.startswith(b'"'):
        return raw
    return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'


class _Reader:
    """The tarball's bytes, counted (for progress) and hashed as they are read."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.done, self.sha = fh, 0, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.done += len(data)
        self.sha.update(data)
        return data


def _feed(reader: _Reader, sink: IO[bytes], errors: list[BaseException]) -> None:
    """Copy the tarball into the decompressor (a thread: the pipe must not
    fill while the main thread is busy reading the other end)."""
    try:
        while chunk := reader.read(_CHUNK):
            sink.write(chunk)
    except BrokenPipeError:
        pass  # the decompressor stopped (bad data, or we are cancelling)
    except BaseException as exc:  # noqa: BLE001  # reported by the main thread
        errors.append(exc)
    finally:
        try:
            sink.close()
        except OSError:
            pass


class _Stream:
    """Everything one import runs: the decompressor, fast-import, the feeder."""

    def __init__(self, tarball: Path, repo: GitRepo) -> None:
        command, self.mode = _sniff(tarball)
        self.size = tarball.stat().st_size
        self.file = tarball.open("rb")
        self.reader = _Reader(self.file)
        self.errors: list[BaseException] = []
        self.git = repo.start_fast_import()
        self.procs: list[subprocess.Popen[bytes]] = [self.git]
        self.source: IO[bytes] | _Reader = self.reader
        self.unzip: subprocess.Popen[bytes] | None = None
        if command is not None:
            self.unzip = self._start(list(command))
            assert self.unzip.stdin is not None and self.unzip.stdout is not None
            threading.Thread(target=_feed, daemon=True,
                             args=(self.reader, self.unzip.stdin, self.errors)).start()
            self.source = self.unzip.stdout

    def _start(self, argv: list[str]) -> subprocess.Popen[bytes]:
        # Own session: a terminal's Ctrl-C reaches only us, and we stop them.
        proc = subprocess.Popen(argv, env={**os.environ, "LC_ALL": "C"},
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        self.procs.append(proc)
        return proc

    def finish_input(self, tarball: Path) -> None:
        """Read the decompressor to its end: a corrupt or truncated tarball
        must fail the import, not give a repository of the files before."""
        if self.unzip is None:
            return
        assert self.unzip.stdout is not None
        while self.unzip.stdout.read(_CHUNK):
            pass
        if self.unzip.wait() != 0:
            raise _fail(f"{tarball}: cannot decompress: {_stderr(self.unzip)}")
        if self.errors:
            raise _fail(f"{tarball}: {self.errors[0]}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
        self.file.close()


def _stream_members(stream: _Stream, tarball: Path, progress: Progress | None,
                    cancelled: Callable[[], bool]) -> tuple[dict[str, tuple[str, int]],
                                                             list[str], int, int]:
    """Send every member's content to fast-import as a marked blob; return
    path → (mode, mark), what was skipped, total size and newest mtime."""
    assert stream.git.stdin is not None
    out = stream.git.stdin
    entries: dict[str, tuple[str, int]] = {}
    skipped: list[str] = []
    size = newest = marks = 0
    last = 0.0
    try:
        tar = tarfile.open(fileobj=stream.source, mode=stream.mode)  # type: ignore[call-overload]
    except (tarfile.TarError, EOFError, OSError):
        raise _fail(f"{tarball}: not a tarball (cannot read a tar header)") from None
    with tar:
        try:
            for member in tar:
                if cancelled():
                    raise KeyboardInterrupt
                path = _safe(member.name)
                if path is None:
                    skipped.append(f"{member.name}: unsafe path")
                    continue
                name = path.as_posix()
                if member.isreg():
                    fh = tar.extractfile(member)
                    data = fh.read() if fh is not None else b""
                    mode = "100755" if member.mode & 0o111 else "100644"
                elif member.issym():
                    data, mode = member.linkname.encode("utf-8", "surrogateescape"), "120000"
                elif member.islnk():
                    target = _safe(member.linkname)
                    if target is None or target.as_posix() not in entries:
                        skipped.append(f"{member.name}: hard link to an unknown member")
                    else:
                        entries[name] = entries[target.as_posix()]
                    continue
                else:
                    if not member.isdir():
                        skipped.append(f"{member.name}: not a file")
                    continue
                marks += 1
                mark = marks
                out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)))
                out.write(data)
                out.write(b"\n")
                entries[name] = (mode, mark)
                size += len(data)
                newest = max(newest, int(member.mtime))
                if progress and (now := time.monotonic()) - last > 0.1:
                    last = now
                    progress(stream.reader.done, stream.size, len(entries))
        except (tarfile.TarError, EOFError) as exc:
            if not entries:
                raise _fail(f"{tarball}: not a tarball ({exc})") from None
            raise _fail(f"{tarball}: truncated or corrupt ({exc})") from None
        except BrokenPipeError:
            raise _fail(f"git fast-import stopped: {_stderr(stream.git)}") from None
    stream.finish_input(tarball)
    if not entries:
        raise _fail(f"{tarball}: holds no files")
    return entries, skipped, size, newest


def _stderr(proc: subprocess.Popen[bytes]) -> str:
    if proc.poll() is None:
        proc.kill()
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    return (err.strip().splitlines() or ["no message"])[-1]


def _strip_top(entries: dict[str, tuple[str, int]]) -> tuple[dict[str, tuple[str, int]],
                                                             str | None]:
    """Drop the leading directory (linux-source-6.1/) when every path has it."""
    tops = {p.split("/", 1)[0] for p in entries}
    if len(tops) != 1 or any("/" not in p for p in entries):
        return entries, None
    top = tops.pop()
    return {p.split("/", 1)[1]: v for p, v in entries.items()}, top


def _commit(stream: _Stream, tarball: Path, entries: dict[str, tuple[str, int]],
            top: str | None, newest: int) -> None:
    assert stream.git.stdin is not None
    out = stream.git.stdin
    digest = stream.reader.sha.hexdigest()
    message = (f"Import {tarball.name}\n\n{len(entries)} files of {tarball.name} (sha256 "
               f"{digest}){f', below {top}/' if top else ''}, imported by `reviewer tree "
               "import`.\n").encode()
    out.write(f"commit refs/heads/{BRANCH}\nmark :1000000000\n"
              f"author {IDENTITY} {newest} +0000\ncommitter {IDENTITY} {newest} +0000\n"
              .encode())
    out.write(b"data %d\n%s\n" % (len(message), message))
    out.write(b"".join(b"M %s :%d %s\n" % (mode.encode(), mark, _quote(path))
                       for path, (mode, mark) in sorted(entries.items())))
    out.write(f"\nreset refs/tags/{BASE_TAG}\nfrom :1000000000\n\ndone\n".encode())
    out.close()
    if stream.git.wait() != 0:
        raise _fail(f"git fast-import failed: {_stderr(stream.git)}")


def import_tarball(tarball: str | Path, dest: str | Path, *, checkout: bool = False,
                   progress: Progress | None = None,
                   cancelled: Callable[[], bool] = lambda: False) -> ImportResult:
    """Import TARBALL as DEST: a bare repository (a normal one with the files
    checked out when `checkout`) whose branch `main` and tag `base` name one
    commit holding every file of the tarball.  Raises ImportError_ with one
    line on bad input; Ctrl-C (KeyboardInterrupt) removes everything built."""
    start = time.monotonic()
    tarball, dest = Path(tarball).expanduser(), Path(dest).expanduser().absolute()
    if not tarball.exists():
        raise _fail(f"{tarball}: no such file")
    _check_dest(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f"{dest.name}.tmp-", dir=dest.parent))
    stream: _Stream | None = None
    try:
        repo = init_repository(tmp, BRANCH, bare=not checkout)
        stream = _Stream(tarball, repo)
        entries, skipped, size, newest = _stream_members(stream, tarball, progress, cancelled)
        entries, top = _strip_top(entries)
        _commit(stream, tarball, entries, top, newest)
        stream.stop()
        if progress:
            progress(stream.size, stream.size, len(entries))
        if checkout:
            repo.check_out(BRANCH)
        commit = repo.resolve(f"refs/heads/{BRANCH}")
        if commit is None:
            raise _fail(f"git fast-import wrote no refs/heads/{BRANCH}")
        if cancelled():
            raise KeyboardInterrupt
        if dest.exists():
            dest.rmdir()  # empty, checked above
        os.rename(tmp, dest)
    except BaseException as exc:
        if stream is not None:
            stream.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, TreeError):  # git failed: the import's own one-line error
            raise _fail(exc.message) from None
        raise
    return ImportResult(dest, commit, len(entries), size, tuple(skipped), top,
                        time.monotonic() - start)
