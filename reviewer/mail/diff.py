"""Unified diffs (as git format-patch writes them) → FileChange and Hunk.

File names.  git names the two sides `a/` and `b/` (or, with
`diff.mnemonicPrefix`, `c/` `i/` `w/` `o/`); `git diff --no-prefix`, CVS
and svn diffs name the paths bare; `diff -urN linux.orig linux` names
them under two directories.  A section's paths are taken as prefixed when
their first components differ as such prefixes do (for a git diff: two of
git's one-letter prefixes; for a plain diff: any two), and the prefix is
then stripped.  `Patch.strip` is the `-p` this gives `git apply`: 1, or 0
when every section names bare paths (see docs/architecture.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.model import FileChange, Hunk

__all__ = ["ParsedDiff", "diff_start", "has_diff", "parse_diff", "read_diff",
           "split_notes_and_diff"]

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_GIT_HEADER = re.compile(r"^diff --git (\S+) (\S+)")
# b4's DIFF_RE, and git diffs with any prefix or none (--no-prefix).
_ANY_DIFF = re.compile(r"^(?:---.*\n\+\+\+|GIT binary patch|diff --git \S+ \S+)", re.M | re.I)
_MNEMONIC = frozenset("abciwo")
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)")
# Where the diff starts: a git header, a plain diff's `diff -u …` line,
# `Index:` (quilt, CVS, svn) or a `---` line right above a `+++` line.
_DIFF_START = re.compile(r"^(?:diff --git |diff -[a-zA-Z]|Index: |--- [^\n]*\n\+\+\+ )", re.M)
# A mailing list's footer (mailman's rule of underscores and what follows):
# no line of a diff starts with "_".
_LIST_FOOTER = re.compile(r"^_{10,}[ \t]*$", re.M)
# No source file is this long: a hunk header naming a later line is forged,
# and would cost time and memory in proportion where a post-image is rebuilt
# from the hunks, so it is not read as a hunk (git apply rejects the patch).
MAX_LINE = 2_000_000


def diff_start(text: str) -> int:
    """Where the diff in `text` starts (len(text) when there is none)."""
    m = _DIFF_START.search(text)
    return len(text) if m is None else m.start()


def split_notes_and_diff(basement: str) -> tuple[str, str]:
    """Split what follows `---` into the notes (changelog, diffstat) and the diff."""
    start = diff_start(basement)
    if start == len(basement):
        return basement, ""
    diff = basement[start:]
    if footer := _LIST_FOOTER.search(diff):
        diff = diff[: footer.start()]
    return basement[:start], diff


def has_diff(text: str) -> bool:
    return _ANY_DIFF.search(text) is not None


def _first(path: str | None) -> str | None:
    return path.split("/", 1)[0] if path and "/" in path else None


def _prefixed(old: str | None, new: str | None, git: bool) -> bool | None:
    """Whether the two names carry a prefix each; None when one side is
    /dev/null and a plain diff's other name cannot tell."""
    if old is None or new is None:
        return None
    a, b = _first(old), _first(new)
    if a is None or b is None or a == b:
        return False
    return {a, b} <= _MNEMONIC if git else True


def _path(raw: str) -> str | None:
    path = raw.split("\t", 1)[0]
    return None if path == "/dev/null" else path


class _FileBuilder:
    def __init__(self, old: str | None, new: str | None, git: bool) -> None:
        self.old, self.new = old, new
        self.prefixed = _prefixed(old, new, git)
        self.renamed = False  # rename/copy lines name the paths without a prefix
        self.old_blob: str | None = None
        self.new_blob: str | None = None
        self.hunks: list[Hunk] = []
        self.binary = False

    def build(self, strip: bool) -> FileChange:
        def stripped(path: str | None) -> str | None:
            if path is None or self.renamed or not strip or "/" not in path:
                return path
            return path.split("/", 1)[1]

        return FileChange(stripped(self.old), stripped(self.new), self.old_blob, self.new_blob,
                          tuple(self.hunks), self.binary)


@dataclass(frozen=True)
class ParsedDiff:
    files: tuple[FileChange, ...]
    strip: int  # the -p that git apply needs: 1, or 0 for bare paths


def parse_diff(diff: str) -> tuple[FileChange, ...]:
    return read_diff(diff).files


def read_diff(diff: str) -> ParsedDiff:
    """Parse a (possibly multi-file) unified diff.  Lines outside any file
    section (diffstat, signature) are ignored; a truncated hunk keeps the
    lines it has."""
    files: list[_FileBuilder] = []
    cur: _FileBuilder | None = None
    # Not splitlines(): a form feed, \x1c-\x1e, \x85 or \u2028 is part of a line.
    lines = diff.split("\n")
    if lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _GIT_HEADER.match(line):
            cur = _FileBuilder(m.group(1), m.group(2), git=True)
            files.append(cur)
        elif cur is not None and line.startswith("new file mode"):
            cur.old = None
        elif cur is not None and line.startswith("deleted file mode"):
            cur.new = None
        elif cur is not None and (m := _INDEX.match(line)):
            cur.old_blob, cur.new_blob = m.group(1), m.group(2)
        elif cur is not None and line.startswith(("rename from ", "copy from ")):
            cur.old, cur.renamed = line.split(" ", 2)[2], True
        elif cur is not None and line.startswith(("rename to ", "copy to ")):
            cur.new, cur.renamed = line.split(" ", 2)[2], True
        elif cur is not None and (line.startswith("Binary files ") or line == "GIT binary patch"):
            cur.binary = True
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _path(line[4:]), _path(lines[i + 1][4:])
            if cur is None or cur.hunks:  # a plain (non-git) diff section
                cur = _FileBuilder(old, new, git=False)
                files.append(cur)
            elif not cur.renamed:
                cur.old, cur.new = old, new
            i += 1
        elif cur is not None and (m := _HUNK.match(line)) and _plausible(m):
            i = _read_hunk(lines, i, m, cur)
            continue
        i += 1
    known = [f.prefixed for f in files if f.prefixed is not None]
    strip = all(known) if known else True
    built = tuple(f.build(f.prefixed if f.prefixed is not None else strip) for f in files)
    return ParsedDiff(built, int(strip))


def _plausible(m: re.Match[str]) -> bool:
    return all(len(g) < 9 and int(g) <= MAX_LINE for g in m.group(1, 2, 3, 4) if g is not None)


def _read_hunk(lines: list[str], i: int, m: re.Match[str], cur: _FileBuilder) -> int:
    old_len = int(m.group(2)) if m.group(2) is not None else 1
    new_len = int(m.group(4)) if m.group(4) is not None else 1
    body: list[str] = []
    need_old, need_new = old_len, new_len
    i += 1
    while i < len(lines) and (need_old > 0 or need_new > 0):
        line = lines[i]
        tag = line[:1]
        if tag == "-":
            need_old -= 1
        elif tag == "+":
            need_new -= 1
        elif tag == " " or line == "":
            # Mailers strip the trailing space of empty context lines.
            line = " " + line[1:]
            need_old -= 1
            need_new -= 1
        elif tag != "\\":
            break
        body.append(line)
        i += 1
    while i < len(lines) and lines[i].startswith("\\"):
        body.append(lines[i])
        i += 1
    cur.hunks.append(Hunk(int(m.group(1)), old_len, int(m.group(3)), new_len,
                          m.group(5).strip(), tuple(body)))
    return i
