"""C source through tree-sitter-c: functions, calls, prototypes, exports and
macros (post-images rebuilt from diff hunks are in postimage.py).

Everything here reads the tree-sitter tree; nothing parses C with regular
expressions.  Lines are 1-based throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, Tree

__all__ = [
    "CFunction", "Call", "Prototype", "calls", "descendants", "exit_statements",
    "exported_symbols",
    "function_at", "function_name", "function_nodes", "functions", "functions_touching",
    "line_of", "local_types", "macros", "node_text", "param_names", "params", "parse",
    "prototypes", "query", "returns_pointer",
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
    """(name or None, type text such as "const struct dentry *") of each parameter."""
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
        quals = "".join(node_text(c) + " " for c in p.children if c.type == "type_qualifier"
                        and base is not None and c.start_byte < base.start_byte)
        out.append((node_text(d) if d is not None else None,
                    quals + " ".join(node_text(base).split()) + " " + "*" * stars
                    if base else ""))
    return out


def local_types(body: Node) -> dict[str, str]:
    """Variables declared in a function body -> their type text ("struct
    dentry *"), as `params` gives them for parameters."""
    out: dict[str, str] = {}
    for decl in descendants(body, ("declaration",)):
        base = decl.child_by_field_name("type")
        for top in decl.children_by_field_name("declarator"):
            d: Node | None = top
            stars = 0
            while d is not None and d.type != "identifier":
                stars += d.type == "pointer_declarator"
                d = d.child_by_field_name("declarator")
            if d is not None and base is not None:
                out[node_text(d)] = " ".join(node_text(base).split()) + " " + "*" * stars
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


def descendants(node: Node, types: tuple[str, ...] | None = None) -> Iterator[Node]:
    """`node` and every node below it, in source order (only those of
    `types` when given)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if types is None or cur.type in types:
            yield cur
        stack.extend(reversed(cur.children))


def exit_statements(node: Node) -> list[Node]:
    """The `return` and `goto` statements under `node`, in source order."""
    return list(descendants(node, ("return_statement", "goto_statement")))


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
    for call in descendants(_tree(source).root_node, ("call_expression",)):
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
    for call in descendants(_tree(source).root_node, ("call_expression",)):
        callee = call.child_by_field_name("function")
        args = _args(call)
        if callee is not None and node_text(callee).startswith("EXPORT_SYMBOL") \
                and args and args[0].type == "identifier":
            out.append(node_text(args[0]))
    return out


def macros(source: str | bytes | Tree) -> list[str]:
    """Names of `#define`d macros."""
    out: list[str] = []
    for node in descendants(_tree(source).root_node, ("preproc_def", "preproc_function_def")):
        name = node.child_by_field_name("name")
        if name is not None:
            out.append(node_text(name))
    return out
