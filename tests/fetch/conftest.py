"""A real public-inbox server for the fetch tests (Debian's `public-inbox`),
started once per session on loopback and stopped by its process id.

Inbox `sample` holds samples/thread.mbox (each revision its own thread);
inbox `real` holds the reference overlayfs thread when ../shared has it;
inbox `changeid` holds a b4-style series whose v2 changed its subject and
came months later (only its change-id ties it to v1), and a decoy patch.
Mail goes in with `git fast-import` into the v2 inbox's epoch (one commit per
message, the blob `m`, as public-inbox-mda writes it) and is then indexed by
`public-inbox-index`: one process instead of one MDA run per mail (~25 s).
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from helpers import REFERENCE_THREAD
from mailfactory import DIFF, mail

from reviewer.mail.mbox import split_mbox
from reviewer.store.cache import default_cache_path

SAMPLE_THREAD = Path(__file__).resolve().parents[2] / "samples" / "thread.mbox"
TOOLS = ("public-inbox-init", "public-inbox-index", "public-inbox-httpd", "git")
_FOOTER = ("base-commit: 35467e8372a409fd15e4dfa6b1a7efc2adffd8f8\n"
           "change-id: 20240110-ovl-fix-9f3c\n")
CHANGE_ID_V1 = "20240110-ovl-fix-v1@sample.example.org"
CHANGE_ID_V2 = "20240801-ovl-fix-v2@sample.example.org"
CHANGE_ID_THREAD = "".join(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m}\n" for m in (
    mail("[PATCH] ovl: fix lookup of negative dentries", msgid=CHANGE_ID_V1,
         date="Wed, 10 Jan 2024 10:00:00 +0000", diff=DIFF + "---\n" + _FOOTER),
    mail("[PATCH] ovl: fix a typo in a comment", msgid="20240120-ovl-typo@sample.example.org",
         date="Sat, 20 Jan 2024 10:00:00 +0000"),
    mail("[PATCH v2] ovl: rework how lookups cache negative dentries", msgid=CHANGE_ID_V2,
         date="Thu, 01 Aug 2024 10:00:00 +0000", diff=DIFF + "---\n" + _FOOTER),
))


@dataclass(frozen=True)
class PublicInbox:
    url: str  # http://127.0.0.1:PORT
    names: frozenset[str]

    def inbox(self, name: str) -> str:
        if name not in self.names:
            pytest.skip(f"inbox {name!r} not loaded ({REFERENCE_THREAD} is absent)")
        return f"{self.url}/{name}"


def free_port() -> int:
    """A loopback port nobody listens on (also used as a dead server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], env: dict[str, str], data: bytes | None = None) -> None:
    res = subprocess.run(cmd, env=env, input=data, capture_output=True, timeout=120)
    if res.returncode:
        raise RuntimeError(f"{cmd[0]} failed ({res.returncode}): {res.stderr.decode()[-500:]}")


def _import(inbox: Path, mbox: Path, env: dict[str, str]) -> None:
    stream = []
    for n, raw in enumerate(split_mbox(mbox.read_bytes())):
        msg = b"import\n"
        stream += [b"commit refs/heads/master\n",
                   b"committer inbox <inbox@example.org> %d +0000\n" % (1_600_000_000 + n),
                   b"data %d\n%s" % (len(msg), msg),
                   b"M 100644 inline m\ndata %d\n%s\n" % (len(raw), raw)]
    _run(["git", "--git-dir", str(inbox / "git" / "0.git"), "fast-import", "--quiet"], env,
         b"".join(stream))


def _wait(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"public-inbox-httpd exited: {log.read_text()[-500:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"public-inbox-httpd did not answer {url} in 30 s")


@pytest.fixture(scope="session")
def public_inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicInbox]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"public-inbox is not installed ({', '.join(missing)} not found; "
                    "apt-get install public-inbox)")
    root = tmp_path_factory.mktemp("public-inbox")
    (root / ".gitconfig").write_text("[user]\n\tname = inbox\n\temail = inbox@example.org\n")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root),
           "PI_CONFIG": str(root / "pi-config"), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": str(root / ".gitconfig"), "LANG": "C.UTF-8", "TZ": "UTC"}
    port = free_port()
    names = []
    changeid = root / "changeid.mbox"
    changeid.write_text(CHANGE_ID_THREAD)
    for name, mbox in (("sample", SAMPLE_THREAD), ("real", REFERENCE_THREAD),
                       ("changeid", changeid)):
        if not mbox.exists():
            continue
        _run(["public-inbox-init", "-V2", "-L", "full", name, str(root / name),
              f"http://127.0.0.1:{port}/{name}", f"{name}@example.org"], env)
        _import(root / name, mbox, env)
        _run(["public-inbox-index", str(root / name)], env)
        names.append(name)
    log = root / "httpd.log"
    with log.open("wb") as out:
        # -W0: no worker processes, so the one pid we stop is the server.
        proc = subprocess.Popen(["public-inbox-httpd", "-W0", "-l", f"http://127.0.0.1:{port}"],
                                env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait(proc, f"http://127.0.0.1:{port}/sample/", log)
        yield PublicInbox(f"http://127.0.0.1:{port}", frozenset(names))
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass(frozen=True)
class StaticServer:
    url: str
    root: Path

    def serve_thread(self, inbox: str, msgid: str, data: bytes, compress: bool) -> None:
        where = self.root / inbox / msgid
        where.mkdir(parents=True, exist_ok=True)
        (where / "t.mbox.gz").write_bytes(gzip.compress(data) if compress else data)


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[StaticServer]:
    """A plain HTTP server on loopback serving files from a directory: the
    way to serve a malformed t.mbox.gz, which public-inbox never does."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StaticServer(f"http://127.0.0.1:{server.server_address[1]}", root)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def dead_port() -> int:
    return free_port()


def _cache_rows() -> dict[str, list[tuple[Any, ...]]]:
    path = default_cache_path()
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("messages", "fetches")}


@pytest.fixture
def cache_rows() -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of the fetch tables of this test's cache."""
    return _cache_rows
