"""C source through tree-sitter-c: functions, calls, prototypes, exports,
macros, and post-images rebuilt from diff hunks when a patch did not apply.

Everything here reads the tree-sitter tree; nothing parses C with regular
expressions.  Lines are 1-based throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, Tree

__all__ = [
    "CFunction", "Call", "DiffHunk", "Prototype", "calls", "exported_symbols",
    "function_at", "function_name", "function_nodes", "functions", "functions_touching",
    "line_of", "macros", "node_text", "param_names", "params", "parse", "prototypes", "query",
    "rebuild_post_image", "returns_pointer",
]

_LANGUAGE = Language(tree_sitter_c.language())
_LOCAL = threading.local()  # a Parser is not safe to share between threads


def _parser() -> Parser:
    parser: Parser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = Parser(_LANGUAGE)
        _LOCAL.parser = parser
    return parser


def parse(source: str | bytes) -> Tree:
    data = source.encode("utf-8", "replace") if isinstance(source, str) else source
    return _parser().parse(data)


@lru_cache(maxsize=16)
def query(source: str) -> Query:
    """A compiled tree-sitter query over C (compiled once per process)."""
    return Query(_LANGUAGE, source)


def _tree(source: str | bytes | Tree) -> Tree:
    return source if isinstance(source, Tree) else parse(source)


def node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def line_of(node: Node) -> int:
    return node.start_point.row + 1


@dataclass(frozen=True)
class CFunction:
    name: str
    start_line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class Call:
    name: str
    nargs: int
    line: int
    function: str  # the enclosing function, "" at file scope


@dataclass(frozen=True)
class Prototype:
    name: str
    nparams: int
    line: int
    is_definition: bool
    is_static: bool
    variadic: bool


def _declarator_chain(node: Node | None) -> Node | None:
    """The function_declarator under pointer/attributed declarators."""
    while node is not None and node.type in ("pointer_declarator", "attributed_declarator"):
        node = node.child_by_field_name("declarator")
    return node if node is not None and node.type == "function_declarator" else None


def _fn_declarator(node: Node) -> Node | None:
    return _declarator_chain(node.child_by_field_name("declarator"))


def returns_pointer(node: Node) -> bool:
    """Whether a function definition returns a pointer (`struct x *f(...)`)."""
    decl = _fn_declarator(node)
    return decl is not None and decl.parent is not None \
        and decl.parent.type == "pointer_declarator"


def function_name(node: Node) -> str | None:
    """Name of a function_definition (or prototype declaration) node."""
    decl = _fn_declarator(node)
    if decl is None:
        return None
    ident = decl.child_by_field_name("declarator")
    return node_text(ident) if ident is not None and ident.type == "identifier" else None


def params(node: Node) -> list[tuple[str | None, str]]:
    """(name or None, type text such as "struct dentry *") of each parameter."""
    decl = _fn_declarator(node)
    plist = decl.child_by_field_name("parameters") if decl is not None else None
    out: list[tuple[str | None, str]] = []
    for p in plist.named_children if plist is not None else []:
        if p.type != "parameter_declaration":
            continue
        d = p.child_by_field_name("declarator")
        stars = 0
        while d is not None and d.type != "identifier":
            stars += d.type == "pointer_declarator"
            d = d.child_by_field_name("declarator")
        base = p.child_by_field_name("type")
        out.append((node_text(d) if d is not None else None,
                    " ".join(node_text(base).split()) + " " + "*" * stars if base else ""))
    return out


def param_names(node: Node) -> list[str | None]:
    """Parameter names of a function definition, in order (None if unnamed)."""
    return [name for name, _ in params(node)]


def _walk_defs(node: Node) -> Iterator[Node]:
    """function_definition nodes, without descending into their bodies."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == "function_definition":
            yield cur
            continue
        stack.extend(reversed(cur.children))


def function_nodes(tree: Tree) -> list[tuple[CFunction, Node]]:
    out: list[tuple[CFunction, Node]] = []
    for node in _walk_defs(tree.root_node):
        name = function_name(node)
        if name is None:
            continue
        out.append((CFunction(name, line_of(node), node.end_point.row + 1, node_text(node)), node))
    return out


def functions(source: str | bytes | Tree) -> list[CFunction]:
    return [f for f, _ in function_nodes(_tree(source))]


def functions_touching(source: str | bytes | Tree, lines: Iterable[int]) -> list[CFunction]:
    """Functions whose line span contains at least one of `lines`."""
    wanted = sorted(set(lines))
    return [f for f in functions(source)
            if any(f.start_line <= n <= f.end_line for n in wanted)]


def function_at(fns: Sequence[CFunction], line: int) -> str:
    for f in fns:
        if f.start_line <= line <= f.end_line:
            return f.name
    return ""


def _iter_type(node: Node, types: tuple[str, ...]) -> Iterator[Node]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type in types:
            yield cur
        stack.extend(reversed(cur.children))


def _args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [a for a in args.named_children if a.type != "comment"]


def _enclosing_function(node: Node) -> str:
    cur = node.parent
    while cur is not None and cur.type != "function_definition":
        cur = cur.parent
    return (function_name(cur) or "") if cur is not None else ""


def calls(source: str | bytes | Tree) -> list[Call]:
    """Every direct call `name(...)`, with its argument count and function."""
    out: list[Call] = []
    for call in _iter_type(_tree(source).root_node, ("call_expression",)):
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "identifier":
            out.append(Call(node_text(callee), len(_args(call)), line_of(call),
                            _enclosing_function(call)))
    return out


def _prototype(node: Node, is_definition: bool) -> Prototype | None:
    decls = [node.child_by_field_name("declarator")] if is_definition else \
        node.children_by_field_name("declarator")
    for d in decls:
        fd = _declarator_chain(d)
        if fd is None:
            continue
        ident = fd.child_by_field_name("declarator")
        if ident is None or ident.type != "identifier":
            continue  # a function pointer, not a prototype
        params = fd.child_by_field_name("parameters")
        plist = [p for p in (params.named_children if params is not None else [])
                 if p.type in ("parameter_declaration", "variadic_parameter")]
        variadic = any(p.type == "variadic_parameter" for p in plist)
        real = [p for p in plist if p.type == "parameter_declaration"]
        if len(real) == 1 and real[0].child_by_field_name("declarator") is None \
                and node_text(real[0]).strip() == "void":
            real = []
        static = any(c.type == "storage_class_specifier" and node_text(c) == "static"
                     for c in node.children)
        return Prototype(node_text(ident), len(real), line_of(node), is_definition,
                         static, variadic)
    return None


def prototypes(source: str | bytes | Tree) -> list[Prototype]:
    """File-scope prototypes and definitions (not local declarations)."""
    tree = _tree(source)
    out: list[Prototype] = []
    stack = [tree.root_node]
    while stack:
        cur = stack.pop()
        if cur.type == "function_definition":
            p = _prototype(cur, True)
        elif cur.type == "declaration":
            p = _prototype(cur, False)
        else:
            stack.extend(reversed(cur.children))
            continue
        if p is not None:
            out.append(p)
    return sorted(out, key=lambda p: p.line)


def exported_symbols(source: str | bytes | Tree) -> list[str]:
    """Names given to `EXPORT_SYMBOL*(name)`."""
    out: list[str] = []
    for call in _iter_type(_tree(source).root_node, ("call_expression",)):
        callee = call.child_by_field_name("function")
        args = _args(call)
        if callee is not None and node_text(callee).startswith("EXPORT_SYMBOL") \
                and args and args[0].type == "identifier":
            out.append(node_text(args[0]))
    return out


def macros(source: str | bytes | Tree) -> list[str]:
    """Names of `#define`d macros."""
    out: list[str] = []
    for node in _iter_type(_tree(source).root_node, ("preproc_def", "preproc_function_def")):
        name = node.child_by_field_name("name")
        if name is not None:
            out.append(node_text(name))
    return out


# --- post-images rebuilt from hunks -------------------------------------------

class DiffHunk(NamedTuple):
    """One hunk: post-image start line, lines with their ' ', '+', '-' (or
    '\\') marker, and the section heading git prints after the second @@."""

    new_start: int
    lines: Sequence[str]
    section: str = ""


def _leaves(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.child_count == 0:
            yield cur
        else:
            stack.extend(reversed(cur.children))


def _heading_function(section: str) -> str | None:
    """Name of the function a hunk heading starts, if it looks like one."""
    if not section.strip():
        return None
    leaves = [leaf for leaf in _leaves(parse(section).root_node) if not leaf.is_missing]
    for a, b in zip(leaves, leaves[1:], strict=False):
        if a.type in ("=", ";", "{", "#define"):
            return None
        if a.type == "identifier" and b.type == "(":
            return node_text(a)
    return None


def _opener(section: str) -> str:
    """The heading completed into `... name(params) {` as best it can be."""
    s = section.rstrip()
    if s.endswith("{"):
        return s
    depth = 0
    for leaf in _leaves(parse(s).root_node):
        if leaf.type == "(" and not leaf.is_missing:
            depth += 1
        elif leaf.type == ")" and not leaf.is_missing:
            depth -= 1
    if depth <= 0:
        return s + " {"
    if s.endswith("("):
        return s + "void" + ")" * depth + " {"
    return s.rstrip(",") + ", ..." + ")" * depth + " {"


def _badness(text: str, first: int, last: int) -> tuple[int, int]:
    """(ERROR + MISSING nodes, -lines of [first, last] inside a function),
    once the braces left open at the end are closed."""
    tree = parse(_close_all(text))
    errors = sum(1 for n in _iter_type(tree.root_node, ("ERROR",)))
    errors += sum(1 for leaf in _leaves(tree.root_node) if leaf.is_missing)
    covered: set[int] = set()
    for f, _ in function_nodes(tree):
        covered.update(range(max(f.start_line, first), min(f.end_line, last) + 1))
    return errors, -len(covered)


def _open_braces(text: str, before_line: int) -> int:
    depth = 0
    for leaf in _leaves(parse(text).root_node):
        if leaf.is_missing or leaf.start_point.row + 1 >= before_line:
            continue
        if leaf.type == "{":
            depth += 1
        elif leaf.type == "}":
            depth = max(0, depth - 1)
    return depth


def _close_all(text: str) -> str:
    depth = _open_braces(text, text.count("\n") + 2)
    return text + "\n" + "}" * depth + "\n" if depth else text


def rebuild_post_image(
    hunks: Iterable[DiffHunk | tuple[int, Sequence[str]] | tuple[int, Sequence[str], str]],
) -> tuple[str, dict[int, int]]:
    """Text where every context/added line sits at its post-image line number.

    Gaps are blank.  When a hunk starts inside a function (its heading names
    one), a synthetic `... name(...) {` opener is written on the blank line
    before it, and closing braces are appended after the last line, so the
    function parses; synthetic lines are absent from the returned line map
    (text line -> post-image line, identity for real lines)."""
    norm = sorted((DiffHunk(*h) for h in hunks), key=lambda h: h.new_start)
    real: dict[int, str] = {}
    spans: list[tuple[DiffHunk, int, int]] = []
    for h in norm:
        n = h.new_start
        for line in h.lines:
            if line.startswith(("-", "\\")):
                continue
            real[n] = line[1:] if line[:1] in (" ", "+") else line
            n += 1
        if n > h.new_start:
            spans.append((h, h.new_start, n - 1))
    if not real:
        return "", {}
    total = max(real)
    lines = [real.get(i, "") for i in range(1, total + 1)]
    for h, first, last in spans:
        slot = first - 1
        if slot < 1 or slot in real or _heading_function(h.section) is None:
            continue
        text = "\n".join(lines)
        best, best_score = lines[slot - 1], _badness(text, first, last)
        closers = "} " * _open_braces(text, slot)
        for cand in (h.section.rstrip(), closers + _opener(h.section)):
            trial = lines[:]
            trial[slot - 1] = cand
            score = _badness("\n".join(trial), first, last)
            if score < best_score:
                best, best_score = cand, score
        lines[slot - 1] = best
    return _close_all("\n".join(lines) + "\n"), {n: n for n in real}
