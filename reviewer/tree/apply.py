"""Apply every revision of a series to a kernel tree, each on its own base,
without a checkout: a temporary index per revision, `git apply --cached`
(3-way when the plain apply fails), `write-tree`, `commit-tree`, and the tip
kept under `refs/reviewer/<series>/v<N>` (see `reviewer refs --delete`).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from types import FrameType
from typing import TYPE_CHECKING, Any

from reviewer.errors import TreeError
from reviewer.mail import READER_VERSION
from reviewer.model import (
    ApplyFailure,
    ApplyResult,
    BaseChoice,
    Patch,
    PatchApply,
    PatchStatus,
    Revision,
    Series,
)
from reviewer.tree.advice import MissingFiles, revision_advice
from reviewer.tree.base import choose_base
from reviewer.tree.gitindex import TempIndex
from reviewer.tree.gitrepo import REF_NAMESPACE, GitRepo

if TYPE_CHECKING:
    from reviewer.store.cache import ResultCache

__all__ = ["apply_revision", "apply_series", "series_slug"]

_PATCH_FAILED = re.compile(r"^error: patch failed: (.+):(\d+)$", re.M)
_NOT_IN_INDEX = re.compile(r"^error: (.+): does not exist in index$", re.M)
_EXISTS = re.compile(r"^error: (.+): already exists in index$", re.M)
_ERROR = re.compile(r"^error: (.+)$", re.M)


def series_slug(series: Series) -> str:
    """A stable, ref-safe name: first post date + title words."""
    first = series.revisions[0].first_message
    words = re.sub(r"[^a-z0-9]+", "-", series.revisions[0].title.lower()).strip("-")
    return f"{first.date:%Y%m%d}-{words[:40].rstrip('-') or 'series'}"


def _failure(repo: GitRepo, patch: Patch, stderr: str, stderr_3way: str,
             missing: MissingFiles) -> ApplyFailure:
    if m := _PATCH_FAILED.search(stderr):
        path, line = m.group(1), int(m.group(2))
        change = next((f for f in patch.files if path in (f.old_path, f.new_path)), None)
        hunks = change.hunks if change else ()
        number = next((i for i, h in enumerate(hunks, 1) if h.old_start == line), None)
        blob = change.old_blob if change else None
        if blob and not repo.has_object(blob):
            why = f"preimage blob {blob} is not in the tree; hunk context not found"
        else:
            why = "hunk context not found in the base"
        label = f"hunk #{number}" if number else "a hunk"
        return ApplyFailure(path, number, line, f"{label} at {path}:{line}: {why}")
    if m := _NOT_IN_INDEX.search(stderr):
        return ApplyFailure(m.group(1), None, None, missing.explain(m.group(1)))
    if m := _EXISTS.search(stderr):
        return ApplyFailure(m.group(1), None, None, f"{m.group(1)} already exists in the base")
    first = _ERROR.search(stderr_3way or stderr)
    reason = first.group(1) if first else (stderr.strip() or "git apply failed")
    return ApplyFailure(None, None, None, reason.splitlines()[0][:200])


def _apply_one(repo: GitRepo, index: TempIndex, patch: Patch, patch_file: str,
               missing: MissingFiles, fuzzy: bool = False
               ) -> tuple[PatchStatus, ApplyFailure | None, bool]:
    """(status, why it did not apply exactly, applied only approximately)."""
    check = index.apply(patch_file, strip=patch.strip, check=True)
    if check.status == 0:
        out = index.apply(patch_file, strip=patch.strip)
        if out.status == 0:
            return PatchStatus.APPLIED, None, False
    if index.apply(patch_file, strip=patch.strip, check=True, reverse=True).status == 0:
        return PatchStatus.ALREADY_APPLIED, None, False
    three = index.apply(patch_file, strip=patch.strip, three_way=True)
    if three.status == 0:
        return PatchStatus.APPLIED_3WAY, None, False
    failure = _failure(repo, patch, check.stderr, three.stderr, missing)
    # --fuzzy: one line of context on each side must still match.
    if fuzzy and index.apply(patch_file, strip=patch.strip, context=1).status == 0:
        return PatchStatus.APPLIED, failure, True
    return PatchStatus.FAILED, failure, False


def _commit(repo: GitRepo, tree: str, parent: str, patch: Patch) -> str:
    date = email.utils.format_datetime(patch.message.date)
    message = f"{patch.title}\n\n{patch.commit_message}\n\nMessage-Id: <{patch.msgid}>\n"
    return repo.commit_tree(tree, parent, message, (patch.author.name, patch.author.email), date)


def apply_revision(repo: GitRepo, revision: Revision, base: BaseChoice, ref: str,
                   cancelled: Callable[[], bool] = lambda: False,
                   fuzzy: bool = False) -> ApplyResult:
    """Apply the revision's patches in order on `base`; a failure stops this
    revision (later patches are NOT_TRIED, each with why it would fail on
    its own, if it would) and is described per file/hunk, with advice for
    the revision.  `fuzzy` retries a failed patch with reduced context and
    marks it approximate."""
    results: list[PatchApply] = []
    missing = MissingFiles(repo, base.commit)
    tip = base.commit
    # Only the files the patches name: applying costs the same in any tree size.
    paths = {p for patch in revision.patches for f in patch.files
             for p in (f.old_path, f.new_path) if p}
    with repo.temp_index(base.commit, paths) as index:
        for patch in revision.patches:
            if cancelled():
                results.append(PatchApply(patch.index, patch.title, PatchStatus.NOT_TRIED, None))
                continue
            if not patch.diff.strip():
                failure = ApplyFailure(None, None, None, "the mail holds no diff")
                status = PatchStatus.FAILED if not results or results[-1].status.ok \
                    else PatchStatus.NOT_TRIED
                results.append(PatchApply(patch.index, patch.title, status, None, failure))
                continue
            patch_file = os.path.join(index.dir, f"{patch.index:04d}.patch")
            with open(patch_file, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(patch.diff if patch.diff.endswith("\n") else patch.diff + "\n")
            if results and not results[-1].status.ok:
                results.append(_not_tried(repo, index, patch, patch_file, missing))
                _note_created(missing, patch)
                continue
            status, why, approximate = _apply_one(repo, index, patch, patch_file, missing, fuzzy)
            if not status.ok:
                _note_created(missing, patch)
            commit = None
            if status.ok:
                commit = tip = _commit(repo, index.write_tree(), tip, patch)
            results.append(PatchApply(patch.index, patch.title, status, commit, why,
                                      approximate))
    wrote = any(r.commit for r in results)
    if wrote:
        repo.update_ref(ref, tip)
    fits = all(r.status.ok for r in results) and not cancelled()
    advice = () if fits else revision_advice(repo, revision, base, fuzzy)
    return ApplyResult(revision.version, base, tuple(results), ref if wrote else None,
                       advice=advice, label=revision.label)


def _note_created(missing: MissingFiles, patch: Patch) -> None:
    """Files a patch that did not apply creates: later patches that change
    them fail for that reason, not for one to search history for."""
    for change in patch.files:
        if change.old_path is None and change.new_path:
            missing.created.setdefault(change.new_path, patch.index)


def _not_tried(repo: GitRepo, index: TempIndex, patch: Patch, patch_file: str,
               missing: MissingFiles) -> PatchApply:
    """A patch after a failed one is not applied, but whether it would apply
    where the revision stopped is still worth saying (one `--check`)."""
    check = index.apply(patch_file, strip=patch.strip, check=True)
    failure = None
    if check.status != 0:
        found = _failure(repo, patch, check.stderr, "", missing)
        failure = ApplyFailure(found.file, found.hunk, found.line,
                               f"would not apply either: {found.reason}")
    return PatchApply(patch.index, patch.title, PatchStatus.NOT_TRIED, None, failure)


class _DeferredCtrlC:
    """Ctrl-C while applying sets a flag instead of raising at a random point,
    where an object finalizer (GitPython has some) would swallow it, or a git
    killed by the same Ctrl-C would pass for a failed patch.  The current step
    ends, temporary files go, then KeyboardInterrupt is raised.  Only in the
    main thread, and only over Python's default SIGINT handler.  SIGTERM
    (unless ignored) is deferred the same way, then sent again to the handler
    it found: the CLI's raises, the default one ends the process."""

    def __init__(self) -> None:
        self.hit = False
        self._installed = False
        self._term: Callable[[int, FrameType | None], object] | int | None = None
        self._term_hit = False

    def __enter__(self) -> _DeferredCtrlC:
        if threading.current_thread() is not threading.main_thread():
            return self
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handler)
            self._installed = True
        term = signal.getsignal(signal.SIGTERM)
        if term is not None and term != signal.SIG_IGN:
            self._term = term
            signal.signal(signal.SIGTERM, self._term_handler)
        return self

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.hit = True

    def _term_handler(self, signum: int, frame: FrameType | None) -> None:
        self.hit = self._term_hit = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if self._term is not None:
            signal.signal(signal.SIGTERM, self._term)
            if self._term_hit:
                signal.raise_signal(signal.SIGTERM)
        if self.hit:
            raise KeyboardInterrupt


def apply_series(repo: GitRepo, series: Series, base_ref: str | None = None,
                 on_done: Callable[[ApplyResult], None] | None = None,
                 cancelled: Callable[[], bool] = lambda: False,
                 revisions: Iterable[Revision] | None = None, *, fuzzy: bool = False,
                 cache: ResultCache | None = None) -> list[ApplyResult]:
    """Apply each revision on its own base.  An unknown --base raises before
    anything is written; a revision without a usable base reports why.
    With `cache`, a revision whose mails, base and ref are as recorded, and
    whose ref still points where it did, is not applied again."""
    if base_ref and not repo.resolve(base_ref):
        raise TreeError(f"--base {base_ref!r}: no such commit in {repo.path}")
    slug = series_slug(series)
    results: list[ApplyResult] = []
    with _DeferredCtrlC() as ctrl_c:
        def stop() -> bool:
            return ctrl_c.hit or cancelled()

        for rev in revisions if revisions is not None else series.revisions:
            if stop():
                break
            ref = f"{REF_NAMESPACE}{slug}/{rev.label}"
            try:
                base = choose_base(repo, rev, base_ref)
            except TreeError as exc:
                results.append(ApplyResult(rev.version, None, (), None, str(exc),
                                           label=rev.label))
            else:
                results.append(_cached_apply(repo, rev, base, ref, stop, fuzzy, cache))
            if on_done:
                on_done(results[-1])
    return results


# Bump when what apply_revision() records for the same input changes.
_APPLY_VERSION = 2


def _apply_key(repo: GitRepo, rev: Revision, base: BaseChoice, ref: str, fuzzy: bool) -> str:
    """What an apply result depends on: the mails, and the base chosen and
    why (the choice depends on the tree's refs and objects, so a change
    there that moves the base, or only its evidence, is a new key)."""
    mails = [f"{p.msgid}:{hashlib.sha1(p.message.raw).hexdigest()}" for p in rev.patches]
    parts = [_APPLY_VERSION, READER_VERSION, str(repo.git_dir.resolve()), asdict(base), ref,
             fuzzy, mails]
    return "apply:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _cached_apply(repo: GitRepo, rev: Revision, base: BaseChoice, ref: str,
                  cancelled: Callable[[], bool], fuzzy: bool,
                  cache: ResultCache | None) -> ApplyResult:
    key = _apply_key(repo, rev, base, ref, fuzzy) if cache is not None else ""
    if cache is not None and (hit := cache.get_json(key)) is not None:
        try:
            result = _from_json(hit, base, rev.label)
        except (KeyError, TypeError, ValueError):
            result = None
        # The refs are the user's to delete or move: only trust an intact one.
        if result is not None and repo.refs(ref).get(ref) == result.tip:
            return result
    result = apply_revision(repo, rev, base, ref, cancelled, fuzzy)
    if cache is not None and not cancelled():
        cache.put_json(key, "apply", _to_json(result))
    return result


def _to_json(result: ApplyResult) -> dict[str, Any]:
    return {"version": result.version, "ref": result.ref, "error": result.error,
            "advice": list(result.advice),
            "patches": [{**asdict(p), "status": p.status.value} for p in result.patches]}


def _from_json(data: dict[str, Any], base: BaseChoice, label: str) -> ApplyResult:
    patches = []
    for p in data["patches"]:
        failure = ApplyFailure(**p["failure"]) if p["failure"] else None
        patches.append(PatchApply(p["index"], p["title"], PatchStatus(p["status"]), p["commit"],
                                  failure, bool(p.get("approximate", False))))
    return ApplyResult(data["version"], base, tuple(patches), data["ref"], data["error"],
                       tuple(data["advice"]), label)
