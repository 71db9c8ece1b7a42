"""The kernel's MAINTAINERS file, read the way scripts/get_maintainer.pl
reads it, and get_maintainer.pl itself run from the base commit.

An entry is a title line followed by `X: value` lines (blank lines do not
end it, the next title does).  F:/X: patterns follow get_maintainer.pl:
`.` is literal, `*` and `?` are globs, a trailing `/` covers everything
below the directory, and a pattern without one matches only paths as deep
as itself (`drivers/net/*` is the files directly in drivers/net).  A plain
pattern naming a directory (`fs/overlayfs`) gets the slash added by the
script, so it covers everything below too.  N: is a regex on the path;
K: (content keywords) is ignored.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from reviewer.checks.toolrun import ToolMissing, base_files, run_perl
from reviewer.model import Address
from reviewer.tree.gitrepo import GitRepo

__all__ = ["Entries", "Entry", "entries_for", "expected_recipients", "parse_maintainers",
           "run_get_maintainer"]

_FIELD = re.compile(r"^([A-Z]):\s*(.*)$")
# `Name <user@host>` with nothing RFC 5322 would read otherwise (quotes,
# comments, groups): what email.utils.parseaddr() gives, without its cost
# (it was most of the time of reading MAINTAINERS).
_PLAIN_ADDRESS = re.compile(r"^([^\"'(),;:<>@\\\[\]]*?)\s*"
                            r"<([^<>\s@\"(),;:\\\[\]]+@[^<>\s\"(),;:\\\[\]]+)>$")
# Up to the first character a pattern's regex does not take literally.
_LITERAL_HEAD = re.compile(r"^[^*?\\\[\](){}+^$|]*")
GET_MAINTAINER = "scripts/get_maintainer.pl"


@cache
def _pattern_regex(value: str) -> re.Pattern[str]:
    """get_maintainer.pl's conversion: . → \\., * → .*, ? → . (nothing else
    is escaped there either)."""
    rx = value.replace(".", r"\.").replace("*", ".*").replace("?", ".")
    try:
        return re.compile(rx)
    except re.error:
        return re.compile(re.escape(value))


def _is_plain(value: str) -> bool:
    """get_maintainer.pl tests `-d` after converting the pattern, so only
    values without `.`, `*` or `?` can ever be taken for a directory."""
    return not any(c in value for c in ".*?") and not value.endswith("/")


@cache
def _literal_head(pattern: str) -> str:
    """What every path the pattern matches starts with."""
    head = _LITERAL_HEAD.match(pattern)
    return head.group(0) if head else ""


def pattern_matches(pattern: str, path: str) -> bool:
    if not path.startswith(_literal_head(pattern)):
        return False  # the regex is anchored: no need to build it
    if pattern.endswith("/"):
        return bool(_pattern_regex(pattern).match(path))
    if _is_plain(pattern) and path.startswith(pattern + "/"):
        return True  # a path below it proves the pattern names a directory
    return bool(_pattern_regex(pattern).match(path)) and path.count("/") == pattern.count("/")


@dataclass(frozen=True)
class Entry:
    title: str
    maintainers: tuple[Address, ...] = ()
    reviewers: tuple[Address, ...] = ()
    lists: tuple[str, ...] = ()  # addresses; "(moderated ...)" notes dropped
    status: str = ""
    files: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()  # N: lines

    @property
    def catch_all(self) -> bool:
        """THE REST and the like: `F: *` / `F: */` cover every file, so they
        say nothing about who looks after a particular one."""
        return any(f in ("*", "*/") for f in self.files)

    @cached_property
    def _names(self) -> tuple[re.Pattern[str], ...]:
        out = []
        for value in self.regexes:
            try:
                out.append(re.compile(value, re.X))
            except re.error:
                continue
        return tuple(out)

    def covers(self, path: str) -> bool:
        if any(pattern_matches(x, path) for x in self.excludes):
            return False
        return (any(pattern_matches(f, path) for f in self.files)
                or any(rx.search(path) for rx in self._names))

    @property
    def addresses(self) -> tuple[str, ...]:
        """Everyone this entry wants on a patch, lowercased."""
        people = (a.email.lower() for a in self.maintainers + self.reviewers)
        return (*people, *(lst.lower() for lst in self.lists))


def _address(value: str) -> Address | None:
    if m := _PLAIN_ADDRESS.match(value):
        return Address(m.group(1).strip(), m.group(2))
    name, addr = email.utils.parseaddr(value)
    return Address(name, addr) if "@" in addr else None


class Entries(tuple[Entry, ...]):
    """MAINTAINERS' entries in file order, indexed by the top directory
    their F: patterns start with: of its ~3,000 entries, only those naming
    a path's top directory, and those whose patterns or N: regexes could
    match anywhere, are tried on it."""

    @cached_property
    def _index(self) -> tuple[dict[str, list[int]], list[int]]:
        by_top: dict[str, list[int]] = {}
        anywhere: list[int] = []
        for i, entry in enumerate(self):
            tops = set()
            for pattern in entry.files:
                head = _literal_head(pattern)
                # "fs/…": under fs/ only; "*", "drivers*/…", and a top-level
                # name (a prefix: MAINTAINERS matches MAINTAINERS.old): anywhere
                tops.add(head.split("/")[0] if "/" in head else None)
            if entry.regexes or None in tops:
                anywhere.append(i)
            for top in tops - {None}:
                by_top.setdefault(str(top), []).append(i)
        return by_top, anywhere

    def covering(self, paths: Sequence[str]) -> list[Entry]:
        """The entries covering any of `paths`, in file order."""
        by_top, anywhere = self._index
        tried = set(anywhere).union(*(by_top.get(p.split("/")[0], ()) for p in paths))
        return [self[i] for i in sorted(tried) if any(self[i].covers(p) for p in paths)]


def parse_maintainers(text: str) -> Entries:
    """Every entry with at least one field, in file order.  The rules of
    every revision on the same base read the same file: parsed once."""
    return _parse(text)


@lru_cache(maxsize=4)
def _parse(text: str) -> Entries:
    entries: list[Entry] = []
    title: str | None = None
    fields: dict[str, list[str]] = {}

    def close() -> None:
        if title is not None and fields:
            entries.append(_entry(title, fields))

    for raw in text.splitlines():
        line = raw.rstrip()
        m = _FIELD.match(line)
        if m:
            if title is not None:
                fields.setdefault(m.group(1), []).append(m.group(2).strip())
        elif line.strip() and not line.lstrip().startswith("#"):
            close()
            title, fields = line.strip(), {}
    close()
    return Entries(entries)


def _entry(title: str, fields: dict[str, list[str]]) -> Entry:
    def people(key: str) -> tuple[Address, ...]:
        return tuple(a for v in fields.get(key, []) if (a := _address(v)) is not None)

    return Entry(
        title=title,
        maintainers=people("M"),
        reviewers=people("R"),
        lists=tuple(v.split()[0] for v in fields.get("L", []) if "@" in v),
        status=(fields.get("S") or [""])[0],
        files=tuple(fields.get("F", [])),
        excludes=tuple(fields.get("X", [])),
        regexes=tuple(fields.get("N", [])),
    )


def entries_for(entries: Sequence[Entry], paths: Iterable[str]) -> list[Entry]:
    """The entries covering any of `paths`, in file order."""
    indexed = entries if isinstance(entries, Entries) else Entries(entries)
    return indexed.covering(list(paths))


def expected_recipients(entries: Sequence[Entry], paths: Iterable[str]) -> set[str]:
    """Maintainers, reviewers and lists (moderated and subscribers-only ones
    too) of the specific entries covering `paths`, lowercased."""
    return {a for e in entries_for(entries, paths) if not e.catch_all for a in e.addresses}


# (git dir, commit) → _plain_dirs(): a commit never changes, and every
# revision on the same base asks again.
_PLAIN_DIRS: dict[tuple[str, str], list[str]] = {}


def _plain_dirs(repo: GitRepo, commit: str, text: str) -> list[str]:
    """The plain F:/X: values that are directories at `commit`: the script
    checks `-d` on them, so they must exist in its temporary tree."""
    key = (str(repo.git_dir), commit)
    if key not in _PLAIN_DIRS:
        plain = {m.group(2).strip() for line in text.splitlines()
                 if (m := _FIELD.match(line)) and m.group(1) in "FX"
                 and _is_plain(m.group(2).strip())}
        _PLAIN_DIRS[key] = sorted(plain & repo.directories(commit)) if plain else []
    return _PLAIN_DIRS[key]


def run_get_maintainer(repo: GitRepo, base_commit: str, patch_text: str,
                       timeout: float) -> list[str] | None:
    """The addresses (lowercased) the base's get_maintainer.pl names for a
    patch, or None when it cannot run (no perl, no script or MAINTAINERS at
    the base, timeout, failure): the caller then reads MAINTAINERS itself."""
    maintainers = repo.read_file(base_commit, "MAINTAINERS")
    if maintainers is None or repo.read_file(base_commit, GET_MAINTAINER) is None:
        return None
    text = maintainers.decode("utf-8", "replace")
    # DT bindings name their maintainers inside the .yaml, which the script
    # reads when the file is there; .mailmap and .get_maintainer.ignore
    # change which address it prints.
    touched = re.findall(r"^diff --git a/\S+ b/(\S+\.yaml)$", patch_text, re.M)
    files = [GET_MAINTAINER, "MAINTAINERS", ".mailmap", ".get_maintainer.ignore", *touched]
    # --no-tree: the script's "is this a kernel top" test would need a dozen
    # fake files.  --no-git*/--no-fixes: nothing of git is consulted.
    # --no-keywords: K: lines match code, not files, and we do not read them.
    args = ["--no-tree", "--no-git", "--no-git-fallback", "--no-fixes", "--no-keywords",
            "--no-rolestats", "--s", "--multiline"]  # the patch on stdin
    with base_files(repo, base_commit, files, _plain_dirs(repo, base_commit, text)) as top:
        res = run_perl(top, GET_MAINTAINER, args, timeout=timeout, stdin=patch_text.encode())
    if isinstance(res, ToolMissing) or res.timed_out or res.status != 0:
        return None
    found = (email.utils.parseaddr(line)[1].lower() for line in res.stdout.splitlines())
    return list(dict.fromkeys(a for a in found if "@" in a))
