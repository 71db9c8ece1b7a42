"""The tree's own scripts/checkpatch.pl, taken from the revision's base
commit and run on each decoded patch (Documentation/dev-tools/checkpatch.rst).

One perl runs all the patches of a revision, as `checkpatch.pl *.patch`
would: starting perl and reading checkpatch's tables costs more than
checking a patch, and checkpatch resets its state for each file it reads.
Where a tree's .checkpatch.conf makes one patch's report depend on the ones
before it in the same run, or name source files instead of the patch, each
patch gets a perl of its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from reviewer.checks.context import CheckContext
from reviewer.checks.maintainers import parse_maintainers
from reviewer.checks.registry import Scope, Skipped, rule
from reviewer.checks.toolrun import ToolMissing, base_files, run_perl
from reviewer.model import Finding, Patch, Severity

SCRIPT = "scripts/checkpatch.pl"
# What checkpatch.pl opens: its data files beside it ($D/...) and the
# .checkpatch.conf of the directory it runs in (the tree top).
FILES = (SCRIPT, "scripts/spelling.txt", "scripts/const_structs.checkpatch", ".checkpatch.conf")
# --no-tree: the temporary top is no kernel tree, and nothing of the tree
# beyond the files above may be read.  The patch comes on stdin, named "-".
ARGS = ("--no-tree", "--terse", "--show-types", "--no-summary")
# Options after which a report depends on the run's earlier patches (CamelCase
# is reported once per run under --strict or --subjective, a type explained
# once under --verbose) or names the source file (--showfile); Getopt::Long
# also takes any unambiguous abbreviation of them.
_PER_PATCH_OPTIONS = ("--strict", "--subjective", "--verbose", "--showfile")
PATCH_DIR = ".reviewer-patches"  # beside the tree top's files: no name of the tree
_SEVERITY = {"ERROR": Severity.ERROR, "WARNING": Severity.WARNING, "CHECK": Severity.INFO}
# Left to our own rules.  The commit-ID checks need a git repository beside
# the patch, which the temporary top never has (without one checkpatch flags
# every cited commit): POL016 checks citations against the tree's history.
# The sign-off checks know no .mailmap nor the names a thread shows: POL001
# and POL002 judge who signed, each cause once.
_OURS = frozenset({"UNKNOWN_COMMIT_ID", "GIT_COMMIT_ID", "MISSING_SIGN_OFF",
                   "NO_AUTHOR_SIGN_OFF", "FROM_SIGN_OFF_MISMATCH"})
_TERSE = re.compile(r"^(?:(?P<src>[^:\s]+):(?:(?P<line>\d+):)?\s+)?"
                    r"(?P<level>ERROR|WARNING|CHECK):(?P<code>[A-Z0-9_]+):\s*(?P<text>.*)$")
_TERSE_ANY = re.compile(r"(?:ERROR|WARNING|CHECK):[A-Z0-9_]+:")
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NUMBERS = re.compile(r"\d+")

Position = tuple[str | None, int | None]


def mail_text(patch: Patch) -> tuple[str, int]:
    """The patch as `git mailinfo`/b4 hand it to checkpatch (decoded, no
    transfer encoding), and the number of lines before the diff."""
    head = f"From: {patch.author}\nSubject: [PATCH] {patch.title}\n\n{patch.commit_message}\n---\n"
    diff = patch.diff if patch.diff.endswith("\n") else patch.diff + "\n"
    return head + diff, head.count("\n")


def diff_positions(diff: str) -> dict[int, Position]:
    """1-based diff line → (file, post-image line).  A removed line maps to
    the post-image line where it was; headers map to their file only."""
    out: dict[int, Position] = {}
    path: str | None = None
    new = old_left = new_left = 0
    for n, line in enumerate(diff.splitlines(), 1):
        if old_left > 0 or new_left > 0:
            out[n] = (path, new)
            if line.startswith("+"):
                new, new_left = new + 1, new_left - 1
            elif line.startswith("-"):
                old_left -= 1
            elif not line.startswith("\\"):
                new, old_left, new_left = new + 1, old_left - 1, new_left - 1
            continue
        if line.startswith("diff --git "):
            path = line.rsplit(" b/", 1)[-1]
        elif line.startswith("+++ ") and not line.startswith("+++ /dev/null"):
            path = line[4:].split("\t")[0].removeprefix("b/")
        elif m := _HUNK.match(line):
            new = int(m.group(2))
            old_left = int(m.group(1) or 1)
            new_left = int(m.group(3) or 1)
            out[n] = (path, new)
            continue
        out[n] = (path, None)
    return out


def parse_terse(output: str, head_lines: int, diff: str,
                name: str = "-") -> list[tuple[str, str, str, Position]]:
    """(level, code, text, position) of each `NAME:LINE: LEVEL:CODE: text`
    line, NAME being how checkpatch names this patch ("-" on stdin); lines
    about the other patches of a run are left out.  A tree whose
    .checkpatch.conf asks for --showfile prints the file and its line itself
    instead of the patch line."""
    positions = diff_positions(diff)
    found = []
    for line in output.splitlines():
        m = _TERSE.match(line.strip())
        if not m:
            continue
        src, num = m.group("src"), int(m.group("line") or 0)
        pos: Position = (None, None)
        if name != "-" and src != name:
            continue
        if src not in (None, name):
            pos = (src, num or None)
        elif num > head_lines:
            pos = positions.get(num - head_lines, (None, None))
        found.append((m.group("level"), m.group("code"), m.group("text").strip(), pos))
    return found


@rule("POL005", "checkpatch", Severity.WARNING, Scope.PATCH, version=4)
def checkpatch(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Runs the tree's own `scripts/checkpatch.pl`, taken from the revision's
    base commit, on each patch (decoded, as `git mailinfo` or b4 produce
    it) and reports each of its findings with its type, e.g.
    `ERROR:TRAILING_WHITESPACE`, at the file and post-image line it names.
    ERROR is an error, WARNING a warning, CHECK (only with `--strict` in the
    tree's `.checkpatch.conf`) an info.  Nothing a patch adds is ever run:
    the script comes from the base, never from the patched tree.  Its
    commit-ID checks, which need git beside the patch, are left to POL016,
    its sign-off checks to POL001 and POL002 (which know the base's
    `.mailmap` and the names the thread shows).  Its "does MAINTAINERS need
    updating?" (FILE_PATH_CHANGES) is left out when the base's MAINTAINERS
    already covers every file added, deleted or renamed.

    ## Why is this bad?
    Maintainers run checkpatch on every patch they take; a patch it
    complains about comes back for a respin, costing a review round.

    ## Example
    ```
    +	if (!dentry) {
    +		return -ENOENT;
    +	}
    ```
    gets `WARNING:BRACES: braces {} are not necessary for single statement
    blocks`.

    Use instead:
    ```
    +	if (!dentry)
    +		return -ENOENT;
    ```
    """
    if ctx.repo is None or ctx.base is None:
        raise Skipped("no tree")
    if ctx.repo.read_file(ctx.base, SCRIPT) is None:
        raise Skipped(f"the tree has no {SCRIPT}")
    patches = [p for p in ctx.revision.patches if p.diff.strip()]
    with base_files(ctx.repo, ctx.base, FILES) as top:
        runs = [patches] if _one_run(top) else [[p] for p in patches]
        for run in runs:
            names, output = _run(ctx, top, run)
            for name, patch in zip(names, run, strict=True):
                yield from _report(ctx, patch, name, output)


def _one_run(top: Path) -> bool:
    """False when the tree's .checkpatch.conf asks for a per-patch option."""
    conf = top / ".checkpatch.conf"
    words = conf.read_text(errors="replace").split() if conf.is_file() else []
    given = [w.split("=", 1)[0] for w in words if w.startswith("--") and len(w) > 3]
    return not any(o.startswith(g) for g in given for o in _PER_PATCH_OPTIONS) \
        and "-v" not in words


def _run(ctx: CheckContext, top: Path, patches: list[Patch]) -> tuple[list[str], str]:
    """One perl for `patches`: how it names each of them, and its output."""
    if len(patches) == 1:  # on stdin, as b4 runs it
        args, stdin, names = [*ARGS, "-"], mail_text(patches[0])[0].encode(), ["-"]
    else:
        (top / PATCH_DIR).mkdir()
        names = [f"{PATCH_DIR}/{p.index:04d}.patch" for p in patches]
        for name, patch in zip(names, patches, strict=True):
            (top / name).write_text(mail_text(patch)[0], encoding="utf-8",
                                    errors="surrogateescape")
        args, stdin = [*ARGS, *names], None
    res = run_perl(top, SCRIPT, args, timeout=ctx.config.checkpatch_timeout, stdin=stdin)
    if isinstance(res, ToolMissing):
        raise Skipped(res.reason)
    if res.timed_out:
        raise Skipped(f"checkpatch {res.timeout_reason}")
    if res.status not in (0, 1) and not _TERSE_ANY.search(res.stdout):
        tail = (res.stderr.strip().splitlines() or ["no output"])[-1]
        raise Skipped(f"{SCRIPT} failed (exit {res.status}): {tail}")
    return names, res.stdout


def _report(ctx: CheckContext, patch: Patch, name: str, output: str) -> Iterator[Finding]:
    head_lines = mail_text(patch)[1]
    for level, code, msg, (file, line) in parse_terse(output, head_lines, patch.diff, name):
        if code in _OURS or (code == "FILE_PATH_CHANGES" and _maintained(ctx, patch)):
            continue
        yield ctx.report(f"{level}:{code}: {msg}", patch=patch.index, file=file, line=line,
                         severity=_SEVERITY[level], key=f"{code} {_NUMBERS.sub('#', msg)}")


def _maintained(ctx: CheckContext, patch: Patch) -> bool:
    """Every file the patch adds, deletes or renames is covered by an entry
    of the base's MAINTAINERS (not a catch-all such as THE REST): the
    answer to checkpatch's "does MAINTAINERS need updating?" is no."""
    moved = {path for f in patch.files if f.old_path != f.new_path
             for path in (f.old_path, f.new_path) if path}
    text = ctx.base_file("MAINTAINERS")
    if not moved or text is None:
        return False
    entries = ctx.memo("base-maintainers", lambda: parse_maintainers(text))
    return all(any(e.covers(path) and not e.catch_all for e in entries) for path in moved)
