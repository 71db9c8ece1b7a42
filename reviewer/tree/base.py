"""Which commit each revision goes on, and the evidence that chose it.

In order: `--base` (the user's word); the mail's `base-commit:` (with its
`prerequisite-patch-id:`s, when the tree has them on top of it); the
pre-image blob ids of the patches' `index` lines, looked up at every ref tip
and, where the tree has history, at the commits that added or removed those
blobs (as `b4 am --guess-base` does, in a bounded window and time); a
release the cover or changelog names ("based on v5.7-rc5", "rebase on
linus-tree (5.7.0-rc5)") that is a tag here; then HEAD.

The cost does not grow with the size of the tree: one `for-each-ref`, one
`cat-file --batch-check` for every (tip, file) pair, and history only for
blobs that are in the object store but at no tip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from reviewer.errors import TreeError
from reviewer.model import BaseChoice, BaseSource, Revision
from reviewer.tree.gitrepo import GitRepo

__all__ = ["PreImage", "choose_base", "named_release", "pre_images", "prerequisites"]

# How far back from the mail's date the history search looks, and how long it
# may take: a base older than that is rare, a blob not at any tip rarer still.
HISTORY_DAYS = 180
HISTORY_TIMEOUT_S = 10.0
_MAX_HISTORY_CANDIDATES = 400
# Tags further than this from the mail's date are not looked at (a kernel
# clone has thousands): their files are rarely the base, and any that were
# would be found again through history.  Branches and the named release
# always are.
TAG_WINDOW_S = 2 * 365 * 86400

# "based on v5.7-rc5", "Rebase on latest linus-tree(5.7.0-rc5)", "applies on
# top of next-20240301": a verb that says "base", then a release or a
# linux-next tag on the same line.
_RELEASE = re.compile(
    r"\b(?:based|rebased?|applies|apply|applied|on\s+top\s+of|against)\b[^\n]{0,60}?"
    r"(?<![\w.-])(v?\d+\.\d+(?:\.\d+)?(?:-rc\d+)?|next-\d{8})(?![\w.-]*\w)", re.I)
_PREREQ = re.compile(r"^prerequisite-patch-id:\s*([0-9a-f]{40})\s*$", re.M)


@dataclass(frozen=True)
class PreImage:
    """A file as the series expects to find it in its base."""

    path: str
    blob: str  # the (usually abbreviated) id of the `index OLD..NEW` line


def pre_images(revision: Revision) -> tuple[PreImage, ...]:
    """One per file the revision changes and does not create: the first
    patch touching a file gives its pre-image; later ones start from the
    revision's own changes, so they say nothing about the base."""
    seen: set[str] = set()
    out: list[PreImage] = []
    for patch in revision.patches:
        for change in patch.files:
            paths = {p for p in (change.old_path, change.new_path) if p}
            if paths & seen:
                continue
            seen |= paths
            blob = (change.old_blob or "").lower()
            if change.old_path and blob.strip("0"):
                out.append(PreImage(change.old_path, blob))
    return tuple(out)


def _texts(revision: Revision) -> list[str]:
    """Where an author says what the series is based on: the cover letter
    and the notes below each patch's `---`."""
    cover = [revision.cover.body] if revision.cover is not None else []
    return cover + [p.notes for p in revision.patches]


def named_release(revision: Revision) -> str | None:
    """The release tag the cover or a changelog says the series is based
    on (`v5.7-rc5`, `v6.1`, `next-20240301`), the first one named."""
    for text in _texts(revision):
        for line in text.splitlines():
            if line.startswith(">"):
                continue
            if m := _RELEASE.search(line):
                return _tag_name(m.group(1))
    return None


def _tag_name(release: str) -> str:
    """`5.7.0-rc5` → `v5.7-rc5`, `5.7` → `v5.7`, `next-…` unchanged."""
    if release.lower().startswith("next-"):
        return release.lower()
    version, _, rc = release.lower().removeprefix("v").partition("-")
    parts = version.split(".")
    if len(parts) == 3 and parts[2] == "0":
        parts = parts[:2]
    return "v" + ".".join(parts) + (f"-{rc}" if rc else "")


def prerequisites(revision: Revision) -> tuple[str, ...]:
    """The `prerequisite-patch-id:` lines (b4, git format-patch --base)."""
    found = [m.group(1) for text in _texts(revision) for m in _PREREQ.finditer(text)]
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class _Candidate:
    commit: str
    name: str | None
    also: tuple[str, ...]  # other refs at the same commit
    date: int
    hits: frozenset[str]  # paths whose pre-image is at this commit

    @property
    def matched(self) -> int:
        return len(self.hits)


def choose_base(repo: GitRepo, revision: Revision, base_ref: str | None = None) -> BaseChoice:
    """The base of `revision` in `repo`, with the evidence that chose it.
    Raises TreeError for an unknown `base_ref` or a tree without HEAD when
    nothing else names a base."""
    images = pre_images(revision)
    release = named_release(revision)
    if base_ref:
        return _given(repo, base_ref, images, release)
    notes: list[str] = []
    if revision.base_commit:
        sha = repo.resolve(revision.base_commit)
        if sha:
            return _from_base_commit(repo, revision, sha, images, release)
        notes.append(f"base-commit {revision.base_commit[:12]} is not in the tree")
    else:
        notes.append("no base-commit in the mail")
    best = _best_by_blobs(repo, revision, images, release)
    if best is not None and best.matched:
        evidence = f"blobs: {best.matched}/{len(images)} pre-images at {_names(best)}"
        if release and release in (best.name, *best.also):
            evidence += ", the release the mail names"
        return BaseChoice(best.commit, BaseSource.BLOBS, "; ".join([*notes, evidence]), evidence,
                          best.name, best.matched, len(images), release)
    if images:
        where = "in the tree" if best is None else "at a ref or a recent commit"
        notes.append(f"the pre-image blob is not {where}" if len(images) == 1
                     else f"none of the {len(images)} pre-image blobs is {where}")
    if release and (sha := repo.resolve(f"refs/tags/{release}")):
        evidence = f"release: the mail names {release}, a tag here"
        return BaseChoice(sha, BaseSource.RELEASE, "; ".join([*notes, evidence]), evidence,
                          release, _matches(repo, sha, images), len(images), release)
    if release:
        notes.append(f"the mail names {release}, not a tag here")
    sha = repo.head()
    if not sha:
        raise TreeError(f"{repo.path}: HEAD names no commit; give --base")
    matched = _matches(repo, sha, images)
    evidence = (f"HEAD: {matched}/{len(images)} pre-images there, no evidence for another base"
                if images else "HEAD: the mails give no evidence for a base")
    return BaseChoice(sha, BaseSource.HEAD, "; ".join([*notes, "using the tree's HEAD"]), evidence,
                      "HEAD", matched, len(images), release)


def _given(repo: GitRepo, base_ref: str, images: tuple[PreImage, ...],
           release: str | None) -> BaseChoice:
    sha = repo.resolve(base_ref)
    if not sha:
        raise TreeError(f"--base {base_ref!r}: no such commit in {repo.path}")
    matched = _matches(repo, sha, images)
    evidence = f"--base {base_ref}"
    if images:
        evidence += f" (given; {matched}/{len(images)} pre-images there)"
    return BaseChoice(sha, BaseSource.OPTION, f"using {evidence}", evidence, base_ref, matched,
                      len(images), release)


def _from_base_commit(repo: GitRepo, revision: Revision, sha: str,
                      images: tuple[PreImage, ...], release: str | None) -> BaseChoice:
    given = revision.base_commit or sha
    evidence = f"base-commit {given[:12]} given in the mail is in the tree"
    needed = prerequisites(revision)
    if needed:
        evidence += (f"; it names {len(needed)} prerequisite patch(es) to apply first, which "
                     "reviewer does not fetch: patches that need them may fail")
    return BaseChoice(sha, BaseSource.BASE_COMMIT, evidence, evidence, _ref_name(repo, sha),
                      _matches(repo, sha, images), len(images), release)


def _ref_name(repo: GitRepo, commit: str) -> str | None:
    return next((t.names[0] for t in repo.ref_tips() if t.commit == commit), None)


def _matches(repo: GitRepo, commit: str, images: tuple[PreImage, ...]) -> int:
    if not images:
        return 0
    found = repo.blobs_at([commit], [i.path for i in images])
    return sum(found.get((commit, i.path), "").startswith(i.blob) for i in images)


def _names(c: _Candidate) -> str:
    name = c.name or c.commit[:12]
    return name + (f" (also {', '.join(c.also)})" if c.also else "")


def _best_by_blobs(repo: GitRepo, revision: Revision, images: tuple[PreImage, ...],
                   release: str | None) -> _Candidate | None:
    """The commit holding the most pre-images: ref tips and HEAD first, then
    (history permitting) commits where the missing blobs came or went.
    Only the blobs the object store has are looked for: no commit has the
    others."""
    stored = repo.find_blobs(i.blob for i in images)
    present = tuple(i for i in images if i.blob in stored)
    if not present:
        return None
    posted = int(revision.first_message.date.timestamp())
    candidates = {t.commit: (t.names[0], t.names[1:], t.date) for t in repo.ref_tips()
                  if t.branch or release in t.names or abs(t.date - posted) < TAG_WINDOW_S}
    head = repo.head()
    if head and head not in candidates:
        candidates[head] = ("HEAD", (), repo.commit_dates([head]).get(head, 0))
    scored = _score(repo, candidates, present)
    best = _pick(scored, revision, release)
    if best is None or best.matched < len(present):
        missing = [stored[i.blob] for i in present if stored[i.blob]
                   and (best is None or i.path not in best.hits)]
        found = _from_history(repo, posted, present, missing, set(candidates))
        best = _pick([*scored, *found], revision, release)
    if best is not None and best.name is None:
        best = replace(best, name=repo.describe(best.commit))
    return best


def _score(repo: GitRepo, candidates: Mapping[str, tuple[str | None, tuple[str, ...], int]],
           images: tuple[PreImage, ...]) -> list[_Candidate]:
    blobs = repo.blobs_at(candidates, [i.path for i in images])
    return [_Candidate(sha, name, also, date, frozenset(
        i.path for i in images if blobs.get((sha, i.path), "").startswith(i.blob)))
        for sha, (name, also, date) in candidates.items()]


def _pick(scored: list[_Candidate], revision: Revision,
          release: str | None) -> _Candidate | None:
    """Most pre-images; among equals the release the mail names, then the
    commit closest before the mail's date (the author's tree then), then
    the newest."""
    posted = int(revision.first_message.date.timestamp()) + 86400  # time zones, clock skew

    def key(c: _Candidate) -> tuple[int, bool, bool, int]:
        before = c.date <= posted
        return (c.matched, release in (c.name, *c.also), before, c.date if before else -c.date)

    return max(scored, key=key, default=None)


def _from_history(repo: GitRepo, posted: int, images: tuple[PreImage, ...], blobs: list[str],
                  known: set[str]) -> list[_Candidate]:
    """Commits where the (full) `blobs` are, as b4 searches: the tree as it
    stood at the mail's date, and the commits from HISTORY_DAYS before it
    on that added or removed one of them, with their parents."""
    if not blobs:
        return []
    paths = sorted({i.path for i in images})
    commits = repo.commits_changing(sorted(set(blobs)), paths, posted - HISTORY_DAYS * 86400,
                                    HISTORY_TIMEOUT_S) or []
    before = repo.newest_commit_before(posted)
    fresh = [c for c in dict.fromkeys([*commits, *([before] if before else [])])
             if c not in known][:_MAX_HISTORY_CANDIDATES]
    dates = repo.commit_dates(fresh)
    return _score(repo, {c: (None, (), dates.get(c, 0)) for c in fresh}, images)
