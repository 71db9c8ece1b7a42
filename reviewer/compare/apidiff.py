"""The API surface a revision changes, relative to its base: symbols it
exports or stops exporting, function prototypes in headers it adds, removes
or changes, and macros (single-bit ones are flags) it adds, removes or
redefines.  Then how two revisions' surfaces differ.

Read from the applied tree (base vs tip of each touched file) when the
revision applied, else from the hunks' pre- and post-images.  Everything is
read with tree-sitter-c (reviewer.cparse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from tree_sitter import Node

from reviewer import cparse
from reviewer.model import ApplyResult, Revision
from reviewer.tree.gitrepo import GitRepo

__all__ = ["ApiDiff", "ApiSurface", "SurfaceChange", "api_surface", "diff_surfaces"]

T = TypeVar("T")
_BIT = re.compile(r"^\(?\s*(?:BIT(?:_ULL)?\s*\(\s*\d+\s*\)|1U?L{0,2}\s*<<\s*\d+)\s*\)?$")
_SPACE_IN = re.compile(r"\s*([(),*])\s*")


@dataclass(frozen=True)
class SurfaceChange:
    kind: str  # export, prototype, flag (a single-bit macro) or macro
    name: str
    file: str
    change: str  # added, removed or changed
    before: str | None  # the declaration (prototype, `#define` line) at the base
    after: str | None  # the same after the revision
    patch: int | None  # the patch whose hunks make the change, when known
    note: str = ""  # e.g. "joins the LOOKUP_* flags"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Two revisions making the same change share the key."""
        return self.kind, self.name, self.change, self.after or self.before or ""

    def describe(self) -> str:
        if self.kind == "export":
            verb = "exports" if self.change == "added" else "stops exporting"
            return f"{verb} {self.name}() ({self.file})"
        what = {"prototype": "prototype", "flag": "flag", "macro": "macro"}[self.kind]
        note = f"; {self.note}" if self.note else ""
        if self.change == "added":
            return f"adds {what} {self.after} ({self.file}{note})"
        if self.change == "removed":
            return f"removes {what} {self.before} ({self.file}{note})"
        if self.kind == "prototype":  # the name is in both: say what became of it
            return f"changes {self.name}() to {self.after} ({self.file}{note})"
        return f"changes {what} {self.before} → {self.after} ({self.file}{note})"


@dataclass(frozen=True)
class ApiSurface:
    version: int
    level: str  # "tree" (base vs tip files) or "diff" (hunks only)
    changes: tuple[SurfaceChange, ...]
    label: str = ""  # the revision's label (Revision.label)

    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.changes)


@dataclass(frozen=True)
class ApiDiff:
    old: ApiSurface
    new: ApiSurface
    dropped: tuple[SurfaceChange, ...]  # the old revision's changes the new one no longer makes
    introduced: tuple[SurfaceChange, ...]  # the new revision's changes the old one did not make
    kept: tuple[SurfaceChange, ...]  # made by both (as the new revision makes them)

    @property
    def same(self) -> bool:
        return not self.dropped and not self.introduced


@dataclass
class _Facts:
    """What one text declares: exports (name → name), prototypes (name →
    signature) and macros (name → (`#define` line, value))."""

    exports: dict[str, str]
    protos: dict[str, str]
    macros: dict[str, tuple[str, str]]


def _norm(text: str) -> str:
    return _SPACE_IN.sub(lambda m: m.group(1) if m.group(1) != "," else ", ",
                         " ".join(text.split())).replace("*", " *").replace("  ", " ") \
        .replace("( *", "(*").replace(" *)", "*)").strip()


def _fn_ident(declarator: Node | None) -> Node | None:
    while declarator is not None and declarator.type in ("pointer_declarator",
                                                          "attributed_declarator"):
        declarator = declarator.child_by_field_name("declarator")
    if declarator is None or declarator.type != "function_declarator":
        return None
    ident = declarator.child_by_field_name("declarator")
    return ident if ident is not None and ident.type == "identifier" else None


def _signatures(root: Node) -> dict[str, str]:
    """name → `type name(params)` of file-scope prototypes and definitions,
    without `extern` and the body."""
    out: dict[str, str] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type not in ("declaration", "function_definition"):
            stack.extend(reversed([c for c in node.children if c.type != "compound_statement"]))
            continue
        for decl in node.children_by_field_name("declarator"):
            ident = _fn_ident(decl)
            if ident is None:
                continue
            text = (node.text or b"")[: decl.end_byte - node.start_byte].decode("utf-8", "replace")
            out.setdefault(cparse.node_text(ident), _norm(text.removeprefix("extern ")))
    return out


def _macros(root: Node) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in ("preproc_def", "preproc_function_def"):
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is not None:
                val = " ".join(cparse.node_text(value).split()) if value is not None else ""
                params = node.child_by_field_name("parameters")
                head = cparse.node_text(name) + (cparse.node_text(params) if params else "")
                out[cparse.node_text(name)] = (f"#define {head} {val}".rstrip(), val)
        stack.extend(reversed(node.children))
    return out


def _facts(text: str, path: str) -> _Facts:
    tree = cparse.parse(text)
    header = path.endswith(".h")
    return _Facts({n: n for n in cparse.exported_symbols(tree)},
                  _signatures(tree.root_node) if header else {},
                  _macros(tree.root_node) if header else {})


def _is_flag(value: str) -> bool:
    try:
        return int(value.rstrip("uUlL"), 0).bit_count() == 1
    except ValueError:
        return bool(_BIT.match(value))


def _family(name: str, macros: dict[str, tuple[str, str]]) -> str:
    """`joins the LOOKUP_* flags` when other flags of the file share the prefix."""
    prefix = name.split("_", 1)[0] + "_" if "_" in name.strip("_") else ""
    if not prefix:
        return ""
    siblings = sorted(n for n in macros if n != name and n.startswith(prefix))
    return f"joins the {prefix}* flags ({', '.join(siblings[:3])}…)" if siblings else ""


def _compare(path: str, before: _Facts, after: _Facts,
             patches: dict[str, int]) -> list[SurfaceChange]:
    out: list[SurfaceChange] = []
    for name in sorted(after.exports.keys() - before.exports.keys()):
        out.append(SurfaceChange("export", name, path, "added", None, name, patches.get(name)))
    for name in sorted(before.exports.keys() - after.exports.keys()):
        out.append(SurfaceChange("export", name, path, "removed", name, None, patches.get(name)))
    for name in sorted(before.protos.keys() | after.protos.keys()):
        old, new = before.protos.get(name), after.protos.get(name)
        if old != new:
            change = "added" if old is None else "removed" if new is None else "changed"
            out.append(SurfaceChange("prototype", name, path, change, old, new,
                                     patches.get(name), _arity_note(old, new)))
    for name in sorted(before.macros.keys() | after.macros.keys()):
        old_m, new_m = before.macros.get(name), after.macros.get(name)
        if old_m == new_m:
            continue
        change = "added" if old_m is None else "removed" if new_m is None else "changed"
        value = (new_m or old_m or ("", ""))[1]
        kind = "flag" if _is_flag(value) else "macro"
        note = _family(name, after.macros if new_m else before.macros) if kind == "flag" else ""
        out.append(SurfaceChange(kind, name, path, change, old_m[0] if old_m else None,
                                 new_m[0] if new_m else None, patches.get(name), note))
    return out


def _arity_note(old: str | None, new: str | None) -> str:
    if old is None or new is None:
        return ""
    counts = [next((p.nparams for p in cparse.prototypes(s + ";")), None) for s in (old, new)]
    if None in counts or counts[0] == counts[1]:
        return ""
    return f"{counts[0]} → {counts[1]} parameters"


def _fold(base: dict[str, T], result: dict[str, T], seen: set[str],
          pre: dict[str, T], post: dict[str, T]) -> None:
    """One hunk into the running picture: a name first met in a pre-image is
    how the base has it; the last post-image is how the revision leaves it."""
    for name, value in pre.items():
        if name not in seen:
            base[name] = value
        result.pop(name, None)
    result.update(post)
    seen.update(pre, post)


def _differ(pre: dict[str, T], post: dict[str, T]) -> set[str]:
    return {n for n in pre.keys() | post.keys() if pre.get(n) != post.get(n)}


def _from_hunks(rev: Revision) -> tuple[list[SurfaceChange], dict[str, int]]:
    """The revision's net changes from its hunks, and name → the first patch
    whose hunks change that name's export, prototype or macro."""
    files: dict[str, tuple[_Facts, _Facts, tuple[set[str], set[str], set[str]]]] = {}
    patches: dict[str, int] = {}
    for patch in rev.patches:
        for change in patch.files:
            if not change.path.endswith((".c", ".h")):
                continue
            base, result, seen = files.setdefault(
                change.path, (_Facts({}, {}, {}), _Facts({}, {}, {}), (set(), set(), set())))
            for hunk in change.hunks:
                pre = _facts(hunk.pre_image(), change.path)
                post = _facts(hunk.post_image(), change.path)
                _fold(base.exports, result.exports, seen[0], pre.exports, post.exports)
                _fold(base.protos, result.protos, seen[1], pre.protos, post.protos)
                _fold(base.macros, result.macros, seen[2], pre.macros, post.macros)
                for name in _differ(pre.exports, post.exports) | \
                        _differ(pre.protos, post.protos) | _differ(pre.macros, post.macros):
                    patches.setdefault(name, patch.index)
    changes = [c for path, (b, a, _s) in files.items() for c in _compare(path, b, a, patches)]
    return changes, patches


def api_surface(rev: Revision, repo: GitRepo | None = None,
                apply: ApplyResult | None = None) -> ApiSurface:
    """What `rev` changes in the API relative to its base."""
    from_hunks, patches = _from_hunks(rev)
    if repo is None or apply is None or not apply.applied or apply.base is None \
            or apply.tip is None:
        return ApiSurface(rev.version, "diff", tuple(from_hunks), rev.label)
    out: list[SurfaceChange] = []
    seen: set[str] = set()
    for patch in rev.patches:
        for change in patch.files:
            if change.path in seen or not change.path.endswith((".c", ".h")):
                continue
            seen.add(change.path)
            old = repo.read_file(apply.base.commit, change.old_path) if change.old_path else None
            new = repo.read_file(apply.tip, change.new_path) if change.new_path else None
            out += _compare(change.path,
                            _facts(old.decode("utf-8", "replace") if old else "", change.path),
                            _facts(new.decode("utf-8", "replace") if new else "", change.path),
                            patches)
    return ApiSurface(rev.version, "tree", tuple(out), rev.label)


def diff_surfaces(old: ApiSurface, new: ApiSurface) -> ApiDiff:
    old_keys = {c.key for c in old.changes}
    new_keys = {c.key for c in new.changes}
    return ApiDiff(old, new,
                   tuple(c for c in old.changes if c.key not in new_keys),
                   tuple(c for c in new.changes if c.key not in old_keys),
                   tuple(c for c in new.changes if c.key in old_keys))
