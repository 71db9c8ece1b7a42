"""New `EXPORT_SYMBOL*`s: exporting an internal helper widens the kernel's
API for good, and an export nobody outside its file uses is dead weight."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer import cparse
from reviewer.checks.context import CheckContext
from reviewer.checks.registry import Scope, rule
from reviewer.model import FileChange, Finding, Severity


def _added_calls(change: FileChange) -> set[str]:
    """Functions called on the lines a change adds (hunk by hunk, so each
    parse sees coherent code)."""
    names: set[str] = set()
    for hunk in change.hunks:
        added = {n for n, _ in hunk.added()}
        names |= {c.name for c in cparse.calls(hunk.post_image())
                  if hunk.new_start + c.line - 1 in added}
    return names


def _new_exports(change: FileChange) -> list[tuple[str, int | None]]:
    """Symbols whose EXPORT_SYMBOL*() the hunks add, with the post-image line."""
    out: list[tuple[str, int | None]] = []
    for hunk in change.hunks:
        before = set(cparse.exported_symbols(hunk.pre_image()))
        for name in cparse.exported_symbols(hunk.post_image()):
            if name not in before:
                line = next((n for n, text in hunk.added() if name in text), None)
                out.append((name, line))
    return out


def _was_internal(ctx: CheckContext, change: FileChange, name: str) -> bool:
    """Static before the patch (seen in the hunk or, with a tree, in the base)."""
    if any(p.name == name and p.is_static
           for h in change.hunks for p in cparse.prototypes(h.pre_image())):
        return True
    base = ctx.base_file(change.path) if change.old_path else None
    return base is not None and any(
        p.name == name and p.is_static for p in cparse.prototypes(base))


def _outside_users(ctx: CheckContext, name: str, home: str) -> list[str]:
    users: list[str] = []
    for patch in ctx.revision.patches:
        for change in patch.files:
            if change.path != home and change.path.endswith(".c") and \
                    name in _added_calls(change):
                users.append(change.path)
    return users


@rule("POL014", "new-export", Severity.WARNING, Scope.REVISION)
def new_export(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags an `EXPORT_SYMBOL*()` that a revision adds for a helper that was
    internal (`static`) until then, or for a symbol that no code outside its
    own file uses anywhere in the series.

    ## Why is this bad?
    An export is a promise to every module: internals such as a slow-path
    lookup helper carry locking rules the VFS enforces for itself, and once
    exported they are used in ways nobody reviewed.  An export without a
    user is dead API.

    ## Example
    ```c
    -static struct dentry *__lookup_slow(...)
    +struct dentry *__lookup_slow(...)
    +EXPORT_SYMBOL(__lookup_slow);
    ```
    Use instead: add a documented helper with stated semantics (or a lookup
    flag) to the VFS, and keep its internals static.
    """
    for patch in ctx.revision.patches:
        for change in patch.files:
            if not change.path.endswith(".c"):
                continue
            for name, line in _new_exports(change):
                users = _outside_users(ctx, name, change.path)
                if _was_internal(ctx, change, name):
                    where = f" (used by {', '.join(sorted(set(users)))})" if users else ""
                    yield ctx.report(f"exports {name}(), which was static until this "
                                     f"patch{where}", patch=patch.index, file=change.path,
                                     line=line, key=f"export-internal {name}")
                elif not users:
                    yield ctx.report(f"exports {name}() but nothing outside {change.path} "
                                     "uses it in this series", patch=patch.index,
                                     file=change.path, line=line, key=f"export-unused {name}")
