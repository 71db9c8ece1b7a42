"""SOURCE as a Message-ID or an archive URL: fetch the thread and every
revision of its series from a public-inbox archive (lore) with b4's library,
keep it in the SQLite cache keyed by Message-ID, and fall back to that cache
when the archive cannot be reached (or with --offline).

The archive is, first to last: --lore (or $REVIEWER_LORE), the server named
by a URL SOURCE, b4's `b4.midmask` from git config, lore.kernel.org/all.
A URL matching b4's `b4.linkmask` only names the Message-ID.
"""

from __future__ import annotations

import email.parser
import gzip
import logging
import os
import re
import urllib.parse
import zlib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import b4
import liblore
import liblore.utils
import requests

from reviewer.errors import SourceError
from reviewer.mail.b4config import lore_node, main_config
from reviewer.mail.message import to_messages as read_mail
from reviewer.model import Message
from reviewer.store.cache import ResultCache

if TYPE_CHECKING:
    from reviewer.mail.sources import Loaded

__all__ = ["Archive", "Fetched", "Remote", "Unreachable", "fetch_series", "is_offline",
           "is_remote", "load_remote", "parse_source", "write_mbox"]

log = logging.getLogger("reviewer.mail.fetch")

DEFAULT_LORE = "https://lore.kernel.org/all"
_MAIL_SUFFIX = re.compile(r"\.(mbox|mbx|eml|patch|diff|txt|gz)$", re.I)
_MSGID = re.compile(r"^[^\s<>@]+@[^\s<>@/]+$")
_FROM_ESCAPE = re.compile(rb"^(>*From )", re.M)
_MBOX_FROM = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def is_offline(offline: bool = False) -> bool:
    """`offline` (--offline) or $REVIEWER_OFFLINE: no network at all."""
    env = os.environ.get("REVIEWER_OFFLINE", "").lower()
    return offline or env not in ("", "0", "false", "no")


class Unreachable(SourceError):
    """No usable answer from the archive: refused, timed out, 5xx."""


@dataclass(frozen=True)
class Remote:
    msgid: str
    base: str | None  # the archive a URL SOURCE names, if any


def _mask_base(mask: str) -> str:
    """`https://host/list/%s` or `https://host/list` → `https://host/list`;
    a bare origin gets `/all`, as b4 does."""
    base = mask.replace("%s", "").rstrip("/")
    if urllib.parse.urlsplit(base).path in ("", "/"):
        base += "/all"
    return base


def _parse_url(url: str) -> Remote | None:
    linkmask = str(main_config().get("linkmask") or "")
    prefix = linkmask.split("%s", 1)[0] if "%s" in linkmask else ""
    if prefix.startswith("http") and url.startswith(prefix):
        mid = urllib.parse.unquote(url[len(prefix):].split("/", 1)[0].split("#", 1)[0])
        return Remote(mid.strip("<>"), None) if "@" in mid else None
    parts = urllib.parse.urlsplit(url)
    segments = parts.path.split("/")
    for i, seg in enumerate(segments):
        mid = urllib.parse.unquote(seg)
        if "@" in mid:
            base = _mask_base(f"{parts.scheme}://{parts.netloc}" + "/".join(segments[:i]))
            return Remote(mid.strip("<>"), base)
    return None


def parse_source(source: str) -> Remote | None:
    """A Message-ID (`id@host`, `<id@host>`, `id:id@host`) or an archive URL;
    None for anything else."""
    text = source.strip()
    if re.match(r"^https?://", text, re.I):
        return _parse_url(text)
    text = re.sub(r"^\w*id:", "", text)
    if text.startswith("<") and text.endswith(">") and _MSGID.match(text[1:-1].replace("/", "_")):
        return Remote(text[1:-1], None)
    # A bare ID may hold '/' before the '@'; a missing mail file should not.
    if _MSGID.match(text.replace("/", "_")) and not _MAIL_SUFFIX.search(text):
        return Remote(text, None)
    return None


def is_remote(source: str | Path) -> bool:
    """True when SOURCE is not a file or directory but a Message-ID or URL."""
    text = str(source)
    return not Path(text).expanduser().exists() and parse_source(text) is not None


def _why(exc: Exception) -> str:
    """The useful end of a requests/liblore error message."""
    text = str(exc)
    if "timed out" in text.lower() or "timeout" in text.lower():
        return "timed out"
    if m := re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text):
        return m.group(1).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


class Archive:
    """One public-inbox archive, reached through b4's lore node."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.notes: list[str] = []
        self.node = lore_node(base)

    def _failed(self, exc: liblore.RemoteError, what: str) -> SourceError:
        status = getattr(exc, "status_code", None)
        if status is None or status >= 500:
            detail = f"HTTP {status}" if status else _why(exc)
            return Unreachable(f"cannot reach {self.base} ({detail})")
        if status == 404:
            return SourceError(f"{what}: not found on {self.base} (HTTP 404)")
        return SourceError(f"{what}: {self.base} answered HTTP {status}")

    def _mails(self, data: bytes, what: str) -> dict[str, bytes]:
        """Split an mbox answer into raw mails keyed by Message-ID."""
        out: dict[str, bytes] = {}
        for raw in liblore.utils.split_mbox_as_bytes(data):
            try:
                mid = b4.LoreMessage.get_clean_msgid(parse_mail(raw))
            except Exception:  # an unparsable header: not a mail we can key
                mid = None
            if mid:
                out.setdefault(mid, raw)
        if data.strip() and not out:
            raise SourceError(f"{what}: malformed mbox from {self.base} (no mail with a "
                              "Message-ID in it)")
        return out

    def thread(self, msgid: str) -> dict[str, bytes]:
        """The whole thread of `msgid` (t.mbox.gz), strict as b4 makes it."""
        what = f"<{msgid}>"
        try:
            data = self.node.get_mbox_by_msgid(msgid, nocache=True)
        except liblore.RemoteError as exc:
            raise self._failed(exc, what) from None
        except requests.RequestException as exc:  # what liblore does not wrap
            raise Unreachable(f"cannot reach {self.base} ({_why(exc)})") from None
        except (OSError, EOFError, zlib.error) as exc:  # gzip.decompress of the answer
            raise SourceError(f"{what}: malformed t.mbox.gz from {self.base} ({exc})") from None
        mails = self._mails(data, what)
        if not mails:
            raise SourceError(f"{what}: not found on {self.base} (empty thread)")
        strict = b4.get_strict_thread([parse_mail(r) for r in mails.values()], msgid) or []
        keep = {b4.LoreMessage.get_clean_msgid(m) for m in strict}
        return {m: r for m, r in mails.items() if m in keep} or mails

    def search(self, query: str) -> dict[str, bytes]:
        """Mails matching a public-inbox search query ({} when none)."""
        try:
            data = self.node.get_mbox_by_query(query, nocache=True)
        except liblore.RemoteError as exc:
            status = getattr(exc, "status_code", None)
            if status == 404:  # public-inbox: no results
                return {}
            if status is not None and (status < 500 or status == 501):
                # An archive without search: keep what the thread fetch gave.
                note = (f"{self.base} cannot search (HTTP {status}): other revisions "
                        "were not looked for")
                if note not in self.notes:
                    self.notes.append(note)
                return {}
            raise self._failed(exc, f"search {query!r}") from None
        except requests.RequestException as exc:
            raise Unreachable(f"cannot reach {self.base} ({_why(exc)})") from None
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"search {query!r}: malformed answer from {self.base} "
                              f"({exc})") from None
        return self._mails(data, f"search {query!r}")


def parse_mail(raw: bytes) -> EmailMessage:
    parser = email.parser.BytesParser(policy=b4.emlpolicy, _class=EmailMessage)
    return parser.parsebytes(raw)


def to_messages(raws: dict[str, bytes]) -> tuple[list[Message], list[str]]:
    """Parsed messages and one line per mail that could not be read."""
    messages: list[Message] = []
    problems: list[str] = []
    for mid, raw in raws.items():
        try:
            messages.extend(read_mail(parse_mail(raw), raw))
        except Exception as exc:  # b4 raises bare exceptions on broken mail
            problems.append(f"<{mid}>: unreadable ({exc.__class__.__name__}: {exc})")
    return messages, problems


@dataclass(frozen=True)
class Fetched:
    msgid: str
    origin: str  # the archive's base URL
    raws: dict[str, bytes]  # Message-ID → raw mail: the thread and its other revisions
    messages: tuple[Message, ...]
    found_by: dict[str, str]  # Message-ID → how the thread holding it was found
    offline: bool
    notes: tuple[str, ...]
    problems: tuple[str, ...]


def _resolve(remote: Remote, lore: str | None) -> str:
    explicit = lore or os.environ.get("REVIEWER_LORE")
    if explicit:
        parts = urllib.parse.urlsplit(explicit)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SourceError(f"--lore {explicit}: not an http(s):// archive URL")
        return _mask_base(explicit)
    if remote.base:
        return remote.base
    return _mask_base(str(main_config().get("midmask") or DEFAULT_LORE))


def fetch_series(source: str, *, lore: str | None = None, offline: bool = False,
                 cache: ResultCache | None = None) -> Fetched:
    """Fetch SOURCE's thread and its other revisions; the cache answers when
    offline (`offline` or $REVIEWER_OFFLINE).  Raises SourceError (cache
    untouched) on any failure."""
    from reviewer.mail.discover import discover

    remote = parse_source(source)
    if remote is None:
        raise SourceError(f"{source}: not a Message-ID or archive URL")
    base = _resolve(remote, lore)
    offline = is_offline(offline)
    own = cache is None
    cache = cache or ResultCache()
    try:
        if offline:
            return _from_cache(remote.msgid, cache, "--offline")
        try:
            found = discover(Archive(base), remote.msgid)
        except Unreachable as exc:
            return _from_cache(remote.msgid, cache, exc.message)
        payload = {"msgids": list(found.kept), "found_by": found.found_by}
        notes = list(found.notes)
        if not cache.put_fetch(remote.msgid, base, found.raws, payload):
            notes.append(f"could not write the cache {cache.path}")
        raws = {m: found.raws[m] for m in found.kept}
        messages, problems = to_messages(raws)
        return Fetched(remote.msgid, base, raws, tuple(messages), found.found_by, False,
                       tuple(notes), tuple(problems))
    finally:
        if own:
            cache.close()


def _from_cache(msgid: str, cache: ResultCache, why: str) -> Fetched:
    from reviewer.mail.discover import series_closure

    record = cache.get_fetch(msgid)
    if record is not None:
        origin, payload = record
        raws = cache.get_messages(payload.get("msgids", []))
        found_by = {str(k): str(v) for k, v in dict(payload.get("found_by", {})).items()}
    else:
        origin, found_by = "cache", {}
        raws = series_closure(cache.get_messages(), msgid)
    if msgid not in raws:
        prefix = "offline (--offline)" if why == "--offline" else why
        raise SourceError(f"{prefix}: <{msgid}> is not in the cache ({cache.path})")
    messages, problems = to_messages(raws)
    note = f"offline: using {len(raws)} cached messages ({why})"
    return Fetched(msgid, origin, raws, tuple(messages), found_by, True, (note,),
                   tuple(problems))


def load_remote(source: str, lore: str | None = None, offline: bool = False) -> Loaded:
    """`reviewer.mail.sources.load` for a Message-ID or URL SOURCE."""
    from reviewer.mail.sources import Loaded

    got = fetch_series(source, lore=lore, offline=offline)
    # Logging, not print: the CLI shows it on stderr (logging's last-resort
    # handler), an app that configures logging decides for itself.
    for note in got.notes:
        log.warning("reviewer: %s", note)
    return Loaded(f"{got.origin}/{got.msgid}", "cache" if got.offline else "lore",
                  got.messages, got.problems)


def write_mbox(path: Path, raws: list[bytes]) -> None:
    """An mboxrd file (gzip'd when PATH ends in .gz) that `load` reads back."""
    chunks = []
    for raw in raws:
        body = _FROM_ESCAPE.sub(rb">\1", raw.replace(b"\r\n", b"\n"))
        chunks.append(_MBOX_FROM + body.rstrip(b"\n") + b"\n\n")
    data = b"".join(chunks)
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SourceError(f"{path}: cannot write ({exc.strerror or exc})") from None
