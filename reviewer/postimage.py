"""Post-images rebuilt from diff hunks, for a patch that did not apply.

Every context and added line sits at its post-image line number; the lines
no hunk shows are blank.  A hunk usually starts inside a function whose
header lies above it, sometimes several blocks deep, and may end the previous
function first.  The blank line before such a hunk gets what the hidden
lines must have done: close what was still open, open the function the hunk
heading names (`... name(params) {`, its cut parameter list completed), and
open the blocks the hunk closes (`do {` before a `} while`, else
`if (__unseen) {`: a hidden opener is mostly a condition or a loop, whose
block may not run) down to the hunk's depth, read from its unmatched braces
or, failing those, its indentation (kernel style: one tab a level).  A
statement or comment the last hunk leaves open is ended, and closing braces
are appended at the end.  Synthetic text is never in
the line map, so readers know which lines are real.

A hunk inside a function that still cannot be put in one (no blank line
before it, or no function named) is returned in `unplaced`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from tree_sitter import Node

from reviewer.cparse import descendants, function_nodes, node_text, parse

__all__ = ["DiffHunk", "PostImage", "rebuild_post_image"]

UNSEEN = "__unseen"  # the condition of a synthetic `if`: its value is unknown


class DiffHunk(NamedTuple):
    """One hunk: post-image start line, lines with their ' ', '+', '-' (or
    '\\') marker, and the section heading git prints after the second @@."""

    new_start: int
    lines: Sequence[str]
    section: str = ""


class PostImage(NamedTuple):
    text: str
    line_map: dict[int, int]  # text line -> post-image line (identity for real lines)
    unplaced: tuple[tuple[int, int], ...]  # (first, last) lines of hunks left outside


class _Shape(NamedTuple):
    """How deep in braces a hunk starts (0: at file scope), what follows
    each brace it closes that it did not open (innermost first), and whether
    it starts in a function's header (the body's `{` comes first)."""

    depth: int
    closers: tuple[str, ...]
    in_header: bool = False


def _leaves(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.child_count == 0:
            yield cur
        else:
            stack.extend(reversed(cur.children))


def _braces(text: str) -> list[Node]:
    return [leaf for leaf in _leaves(parse(text).root_node)
            if leaf.type in ("{", "}", "else", "while") and not leaf.is_missing]


def _unclosed(text: str) -> tuple[int, int]:
    """Braces and parentheses left open at the end of `text`, in one walk."""
    braces = parens = 0
    for leaf in _leaves(parse(text).root_node):
        if leaf.is_missing:
            continue
        if leaf.type in ("{", "}"):
            braces = max(0, braces + (1 if leaf.type == "{" else -1))
        elif leaf.type in ("(", ")"):
            parens = max(0, parens + (1 if leaf.type == "(" else -1))
    return braces, parens


def _end_statement(parens: int) -> str:
    """What ends a statement left open with `parens` parentheses (a hunk
    that stops in the middle of a call's arguments)."""
    return ")" * parens + ";" if parens else ""


def _close_all(text: str) -> str:
    braces, parens = _unclosed(text)
    text += _end_statement(parens)
    return text + "\n" + "}" * braces + "\n" if braces else text


def _first_code_indent(lines: Sequence[str]) -> int | None:
    """Nesting of the hunk's first statement line by its leading tabs."""
    for line in lines:
        s = line.strip()
        if not s or s.startswith(("#", "/*", "*", "//")):
            continue
        if line[:1] not in (" ", "\t") and s.endswith(":") and s[:-1].isidentifier():
            continue  # a label sits in column 0 at any depth
        tabs = len(line) - len(line.lstrip("\t"))
        if tabs == 0 and line[:1] == " ":
            tabs = 1  # indented with spaces: inside something, depth unknown
        return tabs + (1 if s.startswith("}") else 0)
    return None


def _inner_lines(lines: Sequence[str], first: int, depth: int) -> list[int]:
    """Lines of a hunk starting `depth` braces deep that lie inside braces."""
    out, row_depth = [], [0] * (len(lines) + 1)
    for leaf in _braces("\n".join(lines)):
        row = leaf.start_point.row
        row_depth[row + 1] += 1 if leaf.type == "{" else -1 if leaf.type == "}" else 0
    for i, line in enumerate(lines):
        depth += row_depth[i]
        if depth > 0 and line.strip():
            out.append(first + i)
    return out


def _comments(rows: Sequence[str]) -> tuple[int | None, bool]:
    """(index of a row closing a block comment the rows did not open, the
    rows end inside a block comment): where a hunk starts or ends in one."""
    inside, quote, stray = False, "", None
    for i, row in enumerate(rows):
        j = 0
        while j < len(row):
            two = row[j:j + 2]
            if inside:
                if two == "*/":
                    inside, j = False, j + 1
            elif quote:
                if row[j] == "\\":
                    j += 1
                elif row[j] == quote:
                    quote = ""
            elif two == "/*":
                inside, j = True, j + 1
            elif two == "//":
                break
            elif two == "*/" and stray is None:
                stray = i
            elif row[j] in "\"'":
                quote = row[j]
            j += 1
        quote = ""
    return stray, inside


def _uncommented(rows: Sequence[str]) -> list[str]:
    """The rows with the tail of a comment the hunk starts in blanked."""
    stray, _ = _comments(rows)
    if stray is None or any(r.strip() and not r.lstrip().startswith("*")
                            for r in rows[:stray]):
        return list(rows)
    end = rows[stray].index("*/") + 2
    return [""] * stray + [" " * end + rows[stray][end:]] + list(rows[stray + 1:])


def _in_header(lines: Sequence[str]) -> bool:
    """Lines before the body's `{` in column 0 are a header's cut-off rest."""
    for line in lines:
        if line.startswith("{"):
            return True
        if line.strip() and (line[:1] not in (" ", "\t") or "{" in line or "}" in line
                             or ";" in line):
            return False
    return False


def _shape(lines: Sequence[str]) -> _Shape:
    if _in_header(lines):
        return _Shape(0, (), True)
    leaves = _braces("\n".join(lines))
    depth = low = 0
    closers: list[str] = []
    for i, leaf in enumerate(leaves):
        if leaf.type == "{":
            depth += 1
        elif leaf.type == "}":
            depth -= 1
            if depth < low:
                low = depth
                closers.append(leaves[i + 1].type if i + 1 < len(leaves) else "")
                if leaf.start_point.column == 0:  # a function's closing brace
                    return _Shape(-depth, tuple(closers))
    indent = _first_code_indent(lines) or 0
    return _Shape(max(indent, -low), tuple(closers))


def _heading_function(section: str) -> str | None:
    """Name of the function a hunk heading starts, if it looks like one."""
    if not section.strip():
        return None
    leaves = [leaf for leaf in _leaves(parse(section).root_node) if not leaf.is_missing]
    for a, b in zip(leaves, leaves[1:], strict=False):
        if a.type in ("=", ";", "{", "#define"):
            return None
        if a.type == "identifier" and b.type == "(":
            name = node_text(a)
            return None if name.isupper() else name  # TRACE_EVENT(...): a macro
    return None


def _opener(section: str, name: str) -> str:
    """The heading completed into `type name(params) {`: git cuts long
    headers at the first line, and the type may sit on the line above."""
    s = section.rstrip().rstrip("{").rstrip()
    depth = 0
    for leaf in _leaves(parse(s).root_node):
        if leaf.type == "(" and not leaf.is_missing:
            depth += 1
        elif leaf.type == ")" and not leaf.is_missing:
            depth -= 1
    if depth > 0:
        s = (s + "void" if s.endswith("(") else s.rstrip(",") + ", ...") + ")" * depth
    return _typed(s, name) + " {"


def _typed(header: str, name: str) -> str:
    """`header` with a return type: kernel style puts it on the line before
    the name, which git's hunk heading then lacks."""
    return "int " + header.lstrip() if header.lstrip().startswith(name + "(") else header


def _inner(levels: int, closers: Sequence[str]) -> str:
    """Openers for `levels` blocks, outermost first; `closers[i]` follows
    the brace that closes the i-th innermost one."""
    out = []
    for i in reversed(range(levels)):
        after = closers[i] if i < len(closers) else ""
        # hidden openers are mostly conditions and loops: the block may not run
        out.append("do {" if after == "while" else f"if ({UNSEEN}) {{")
    return " ".join(out)


def _open_function(text: str, line: int) -> str | None:
    """The function still open after `line` of `text`, if any."""
    for fn, _node in function_nodes(parse(_close_all(text))):
        if fn.start_line <= line < fn.end_line:
            return fn.name
    return None


def _slot_text(text: str, open_now: int, slot: int, hunk: DiffHunk, rows: Sequence[str],
               shape: _Shape) -> str | None:
    """What the blank line before `hunk` stands for, or None to leave it;
    `open_now`: the braces `text` (all before it) leaves open."""
    name = _heading_function(hunk.section)
    if shape.in_header and name is not None:
        # the body's `{` first: the header is all hidden; else its rest follows
        starts_body = next((r for r in rows if r.strip()), "").startswith("{")
        header = (_opener(hunk.section, name)[:-2] if starts_body
                  else _typed(hunk.section.rstrip(), name))
        return " ".join(p for p in ("}" * open_now, header) if p)
    if shape.depth == 0:
        return "}" * open_now or None
    current = _open_function(text, slot - 1) if open_now else None
    if current is not None and (name is None or name == current):
        if shape.depth > open_now:
            return _inner(shape.depth - open_now, shape.closers)
        return "}" * (open_now - shape.depth) or None
    if name is None:
        return None
    inner = _inner(shape.depth - 1, shape.closers)
    return " ".join(p for p in ("}" * open_now, _opener(hunk.section, name), inner) if p)


def _real_lines(h: DiffHunk) -> Iterator[tuple[int, str]]:
    n = h.new_start
    for line in h.lines:
        if line.startswith(("-", "\\")):
            continue
        yield n, line[1:] if line[:1] in (" ", "+") else line
        n += 1


def rebuild_post_image(
    hunks: Iterable[DiffHunk | tuple[int, Sequence[str]] | tuple[int, Sequence[str], str]],
) -> PostImage:
    """Text where every context/added line sits at its post-image line
    number, with the synthetic lines described in the module docstring."""
    norm = sorted((DiffHunk(*h) for h in hunks), key=lambda h: h.new_start)
    real: dict[int, str] = {}
    spans: list[tuple[DiffHunk, int, int]] = []
    for h in norm:
        numbered = list(_real_lines(h))
        real.update(numbered)
        if numbered:
            spans.append((h, numbered[0][0], numbered[-1][0]))
    if not real:
        return PostImage("", {}, ())
    lines = [real.get(i, "") for i in range(1, max(real) + 1)]
    inside: list[tuple[int, int, list[int]]] = []
    in_comment = False  # the previous hunk ended inside a block comment
    for h, first, last in spans:
        raw = [lines[n - 1] for n in range(first, last + 1)]
        rows = _uncommented(raw)
        shape = _shape(rows)
        if _heading_function(h.section) is not None:  # else not in a function (a struct)
            inside.append((first, last, _inner_lines(rows, first, shape.depth)))
        slot = first - 1
        if slot >= 1 and slot not in real:
            before = "\n".join(lines[: slot - 1])
            braces, parens = _unclosed(before)
            code = _slot_text(before, braces, slot, h, rows, shape)
            parts = ("*/" if in_comment else _end_statement(parens), code or "",
                     "/*" if rows != raw else "")
            lines[slot - 1] = " ".join(p for p in parts if p)
        in_comment = _comments(rows)[1]
    # the last hunk may end inside a block comment: end it before the braces
    text = _close_all("\n".join(lines) + ("\n*/" if in_comment else "") + "\n")
    tree = parse(text)
    fns = [(f.start_line, f.end_line) for f, _ in function_nodes(tree)]
    data = _file_scope_data(tree.root_node)
    unplaced = tuple((a, b) for a, b, need in inside
                     if any(not any(s <= n <= e for s, e in fns + data) for n in need))
    return PostImage(text, {n: n for n in real}, unplaced)


_DATA_BODIES = ("field_declaration_list", "enumerator_list", "initializer_list")


def _file_scope_data(root: Node) -> list[tuple[int, int]]:
    """Lines inside the braces of a struct, union, enum or initializer at
    file scope (a hunk that ends one function and adds a struct before the
    next): data, not code that must sit in a function."""
    out = []
    for top in root.children:
        if top.type == "function_definition":
            continue
        out += [(n.start_point.row + 1, n.end_point.row + 1)
                for n in descendants(top, _DATA_BODIES)]
    return out
