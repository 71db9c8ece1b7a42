"""Unified diffs (as git format-patch writes them) → FileChange and Hunk."""

from __future__ import annotations

import re

from reviewer.model import FileChange, Hunk

__all__ = ["parse_diff", "split_notes_and_diff"]

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_GIT_HEADER = re.compile(r"^diff --git (?:a/)?(\S+) (?:b/)?(\S+)")
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)")
_DIFF_START = re.compile(r"^(diff --git |--- (?:a/|/dev/null)|Index: )", re.M)
# A mailing list's footer (mailman's rule of underscores and what follows):
# no line of a diff starts with "_".
_LIST_FOOTER = re.compile(r"^_{10,}[ \t]*$", re.M)
# No source file is this long: a hunk header naming a later line is forged,
# and would cost time and memory in proportion where a post-image is rebuilt
# from the hunks, so it is not read as a hunk (git apply rejects the patch).
MAX_LINE = 2_000_000


def split_notes_and_diff(basement: str) -> tuple[str, str]:
    """Split what follows `---` into the notes (changelog, diffstat) and the diff."""
    m = _DIFF_START.search(basement)
    if m is None:
        return basement, ""
    diff = basement[m.start() :]
    if footer := _LIST_FOOTER.search(diff):
        diff = diff[: footer.start()]
    return basement[: m.start()], diff


def _strip_prefix(path: str) -> str | None:
    if path == "/dev/null":
        return None
    path = path.split("\t", 1)[0]
    return path[2:] if path[:2] in ("a/", "b/") else path


class _FileBuilder:
    def __init__(self, old: str | None, new: str | None) -> None:
        self.old, self.new = old, new
        self.old_blob: str | None = None
        self.new_blob: str | None = None
        self.hunks: list[Hunk] = []
        self.binary = False

    def build(self) -> FileChange:
        return FileChange(self.old, self.new, self.old_blob, self.new_blob,
                          tuple(self.hunks), self.binary)


def parse_diff(diff: str) -> tuple[FileChange, ...]:
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
            cur = _FileBuilder(m.group(1), m.group(2))
            files.append(cur)
        elif cur is not None and line.startswith("new file mode"):
            cur.old = None
        elif cur is not None and line.startswith("deleted file mode"):
            cur.new = None
        elif cur is not None and (m := _INDEX.match(line)):
            cur.old_blob, cur.new_blob = m.group(1), m.group(2)
        elif cur is not None and line.startswith(("rename from ", "copy from ")):
            cur.old = line.split(" ", 2)[2]
        elif cur is not None and line.startswith(("rename to ", "copy to ")):
            cur.new = line.split(" ", 2)[2]
        elif cur is not None and (line.startswith("Binary files ") or line == "GIT binary patch"):
            cur.binary = True
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _strip_prefix(line[4:]), _strip_prefix(lines[i + 1][4:])
            if cur is None or cur.hunks:  # a plain (non-git) diff section
                cur = _FileBuilder(old, new)
                files.append(cur)
            else:
                cur.old, cur.new = old, new
            i += 1
        elif cur is not None and (m := _HUNK.match(line)) and _plausible(m):
            i = _read_hunk(lines, i, m, cur)
            continue
        i += 1
    return tuple(f.build() for f in files)


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
