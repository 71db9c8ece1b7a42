"""The subsystem prefix of a patch title (Documentation/process/
submitting-patches.rst, "The canonical patch format")."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.maintainers import entries_for, parse_maintainers
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.model import Finding, Severity

# `net: ieee802154: fix x` → "net: ieee802154": the leading chain of
# `word:` tokens (words may hold `/`, `.`, `-`, `+`, `,`), minus the last `: `.
_CHAIN = re.compile(r"^((?:[\w./+,-]+: )+)")
_WORD = re.compile(r"[a-z0-9]+")


def subject_prefix(title: str) -> str | None:
    m = _CHAIN.match(title.strip() + " ")
    return m.group(1)[:-2] if m else None


def _norm(prefix: str) -> str:
    return " ".join(prefix.lower().split())


def history_prefixes(subjects: Iterable[str]) -> Counter[str]:
    return Counter(p for s in subjects if (p := subject_prefix(s)) is not None)


def _abbreviates(short: str, word: str) -> bool:
    """`ovl` for `overlayfs`: same first letter, the rest in order."""
    if not short or short[0] != word[0]:
        return False
    rest = iter(word)
    return all(c in rest for c in short)


def _path_names(path: str) -> list[str]:
    """`fs/overlayfs/namei.c` → overlayfs, namei."""
    parts = path.split("/")
    return [*parts[-2:-1], posixpath.splitext(parts[-1])[0]]


def _fallback_words(ctx: CheckContext, paths: list[str]) -> set[str]:
    """Without history: the touched directories' and files' names and the
    words of the MAINTAINERS entry titles covering them."""
    words = {d for p in paths for d in p.split("/")[:-1]}
    words.update(posixpath.splitext(posixpath.basename(p))[0] for p in paths)
    text = ctx.base_file("MAINTAINERS")
    if text is not None:
        parsed = ctx.memo("base-maintainers", lambda: parse_maintainers(text))
        for entry in entries_for(parsed, paths):
            if not entry.catch_all:
                words.update(_WORD.findall(entry.title.lower()))
    return {w.lower() for w in words if w}


def _fits_names(prefix: str, words: set[str]) -> bool:
    parts = [p for p in re.split(r"[:/\s]+", prefix.lower()) if p]
    return bool(parts) and all(any(_abbreviates(p, w) for w in words) for p in parts)


def _suggest(counts: Counter[str]) -> str:
    return ", ".join(f"'{p}' ({n})" for p, n in counts.most_common(3))


@rule("POL008", "subject-prefix", Severity.WARNING, Scope.PATCH)
def subject_prefix_rule(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a patch whose title has no subsystem prefix, or one that the
    touched files' history does not use.  The prefixes are learned from
    `git log` of those files at the revision's base (`ovl` from
    `ovl: fix ...`, `net: ieee802154` from `net: ieee802154: fix ...`);
    files without history are judged by their directory and file names and
    the titles of their MAINTAINERS entries.

    ## Why is this bad?
    Maintainers filter their mail and scan `git log --oneline` by prefix;
    a patch under the wrong one is missed by the people who should review
    it, and gets renamed (or bounced) when applied.

    ## Example
    ```
    [PATCH] fs: drop negative dentries in overlayfs lookup
    ```
    touching only `fs/overlayfs/namei.c`, whose history says `ovl:`.

    Use instead:
    ```
    [PATCH] ovl: drop negative dentries in lookup
    ```
    """
    repo, base = ctx.repo, ctx.base
    if repo is None or base is None:
        raise Skipped("no tree")
    for patch in ctx.revision.patches:
        paths = sorted(set(patch.paths))
        if not paths:
            continue
        counts = history_prefixes(repo.log_subjects(paths, 200, rev=base))
        if not counts:  # new files: what their directories' history says
            dirs = sorted({posixpath.dirname(p) for p in paths} - {""})
            counts = history_prefixes(repo.log_subjects(dirs, 200, rev=base)) if dirs else counts
        prefix = subject_prefix(patch.title)
        where = ", ".join(paths[:3]) + (" ..." if len(paths) > 3 else "")
        if counts:
            if prefix is not None and _norm(prefix) in {_norm(p) for p in counts}:
                continue
            advice = f"the history of {where} uses {_suggest(counts)}"
        else:
            words = _fallback_words(ctx, paths)
            if prefix is not None and _fits_names(prefix, words):
                continue
            names = sorted({n for p in paths for n in _path_names(p)})
            advice = f"no history for {where}; use a prefix naming them ({', '.join(names)})"
        if prefix is None:
            yield ctx.report(f"title {patch.title!r} has no subsystem prefix: {advice}",
                             patch=patch.index, key="no-prefix")
        else:
            yield ctx.report(f"subject prefix '{prefix}' does not match the files: {advice}",
                             patch=patch.index, key=f"prefix {_norm(prefix)}")
