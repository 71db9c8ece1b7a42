"""Split a thread into series and their revisions (v1, v2 …).

Two steps.  First, *postings*: the mails sent together as one revision (a
cover and its k/n patches), found through the reply tree, or — for mail
without reference headers — by sender, version and counters.  Second,
*series*: postings linked into one series by change-id, by one replying
into the other's thread, or by the same author with a similar subject or
overlapping files.  Each link keeps its reason and a confidence.
b4's `LoreMailbox` keys revisions by version alone, so it cannot tell two
series apart nor see a revision whose subject changed; this module can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from reviewer.mail.mailinfo import to_patch
from reviewer.model import Message, Patch, Reply, Revision, RevisionLink, Series, Thread
from reviewer.tree.gitrepo import patch_ids

__all__ = ["group_series"]

_BASE = re.compile(r"^base-commit:\s*([0-9a-f]{7,40})\s*$", re.M)
_CHANGE_ID = re.compile(r"^change-id:\s*(\S+)\s*$", re.M)
_DIFFSTAT = re.compile(r"^ \d+ files? changed, ", re.M)
_PREFIX = re.compile(r"^[\w./,-]+(?:\s*/\s*[\w.-]+)*:\s+")
# Postings sent without any reference header are joined only this close in time.
_LOOSE_WINDOW_S = 12 * 3600
_SERIES_WINDOW_S = 180 * 86400
# Mails without a Message-ID (git format-patch files) get one in this domain
# (reviewer.mail.message): they were never sent, their Date is the author date.
_UNSENT = "@reviewer.invalid"


@dataclass
class _Posting:
    first: Message
    cover: Message | None = None
    patches: dict[int, Message] = field(default_factory=dict)
    duplicates: list[int] = field(default_factory=list)
    total: int = 1

    @property
    def version(self) -> int:
        return self.first.subject.version

    @property
    def members(self) -> list[Message]:
        return ([self.cover] if self.cover else []) + list(self.patches.values())

    def accepts(self, msg: Message) -> bool:
        return msg.subject.counter not in self.patches


def _is_cover(msg: Message) -> bool:
    s = msg.subject
    return s.counters_given and s.counter == 0 and not s.is_reply


def _is_patch(msg: Message) -> bool:
    return msg.has_diff and not msg.subject.is_reply and not _is_cover(msg)


def _same_author(a: Message, b: Message) -> bool:
    return a.sender.email.lower() == b.sender.email.lower() or (
        bool(a.sender.name) and a.sender.name.lower() == b.sender.name.lower()
    )


def _parents_first(msgs: list[Message], thread: Thread) -> list[Message]:
    """`msgs` in date order, but none before the mail it answers: unsent
    `git format-patch --cover-letter` files date the cover after the
    patches (the committer's date, not the authors'), or all alike."""
    ids = {m.msgid for m in msgs}
    waiting: dict[str, list[Message]] = {}
    done: set[str] = set()
    out: list[Message] = []
    for msg in sorted(msgs, key=lambda m: (m.date, m.msgid)):
        parent = thread.parents.get(msg.msgid)
        if parent in ids and parent not in done:
            waiting.setdefault(parent, []).append(msg)
            continue
        stack = [msg]
        while stack:
            cur = stack.pop()
            out.append(cur)
            done.add(cur.msgid)
            stack.extend(reversed(waiting.pop(cur.msgid, [])))
    return out


def _find_postings(thread: Thread) -> list[_Posting]:
    candidates = [m for m in thread.messages.values() if _is_cover(m) or _is_patch(m)]
    owner: dict[str, _Posting] = {}
    postings: list[_Posting] = []
    for msg in _parents_first(candidates, thread):
        posting = _threaded_posting(msg, thread, owner) or _loose_posting(msg, postings)
        if posting is None or (_is_cover(msg) and posting.cover is not None):
            posting = _Posting(first=msg)
            postings.append(posting)
        if _is_cover(msg):
            posting.cover = msg
        elif msg.subject.counter in posting.patches:
            posting.duplicates.append(msg.subject.counter)
            continue
        else:
            posting.patches[msg.subject.counter] = msg
        posting.total = max(posting.total, msg.subject.total)
        owner[msg.msgid] = posting
    postings = [p for p in postings if p.patches]
    for p in postings:
        if p.cover is None:
            p.cover = _naked_cover(p, thread, {q.cover.msgid for q in postings if q.cover})
    return postings


def _naked_cover(p: _Posting, thread: Thread, taken: set[str]) -> Message | None:
    """A cover letter without `[PATCH 0/N]` (b4's rule): the mail a patch
    answers, when it holds no diff and has a diffstat or is a thread root
    sent by the patch's author.  A bug report by someone else that the
    patch answers is not a cover."""
    for _k, msg in sorted(p.patches.items()):
        parent = thread.messages.get(msg.in_reply_to or "")
        if (parent is None or parent.has_diff or parent.msgid in taken
                or parent.subject.is_reply or _is_cover(parent)):
            continue
        root_by_author = (parent.parent_id is None
                          and parent.sender.email.lower() == msg.sender.email.lower())
        if root_by_author or _DIFFSTAT.search(parent.body):
            return parent
    return None


def _threaded_posting(msg: Message, thread: Thread, owner: dict[str, _Posting]) -> _Posting | None:
    """The posting of the nearest ancestor sent with it (same sender and
    version, or no version given: `[PATCH 1/4]` under a `v3 0/4` cover).
    Another sender's patch joins only with the same k/n total: unsent
    `git format-patch --thread` files carry each commit's author in From."""
    if not msg.subject.counters_given or msg.subject.total < 2 or _is_cover(msg):
        return None
    for anc in thread.ancestors(msg.msgid):
        posting = owner.get(anc)
        if posting is None or not (_same_author(posting.first, msg)
                                   or posting.total == msg.subject.total):
            continue
        version_ok = not msg.subject.version_given or msg.subject.version == posting.version
        if version_ok and posting.accepts(msg):
            return posting
        return None
    return None


def _loose_posting(msg: Message, postings: list[_Posting]) -> _Posting | None:
    """A k/n patch without a usable parent: the latest open posting of the
    same sender, version and size, sent shortly before (at any date for
    unsent format-patch files, whose dates are the commits' author dates).
    An unsent file's From is its commit's author, and a series may hold
    patches by several: failing a posting by the same author, one by
    another that still lacks this counter is taken."""
    s = msg.subject
    if not s.counters_given or s.total < 2 or msg.parent_id:
        return None
    fallback = None
    for posting in reversed(postings):
        unsent = msg.msgid.endswith(_UNSENT) and posting.first.msgid.endswith(_UNSENT)
        gap = (msg.date - posting.first.date).total_seconds()
        close = unsent or 0 <= gap <= _LOOSE_WINDOW_S
        if (close and posting.version == s.version and posting.total == s.total
                and posting.accepts(msg) and posting.first.parent_id is None):
            if _same_author(posting.first, msg):
                return posting
            if unsent and fallback is None:
                fallback = posting
    return fallback


def _norm_title(msg: Message) -> str:
    return _PREFIX.sub("", msg.subject.summary.lower()).strip()


def _similarity(a: str, b: str) -> float:
    ta, tb = set(a.split()), set(b.split())
    tokens = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    return max(tokens, SequenceMatcher(None, a, b).ratio())


def _paths(p: _Posting) -> set[str]:
    out: set[str] = set()
    for msg in p.patches.values():
        out.update(line[len("diff --git a/"):].split(" ")[0]
                   for line in msg.body.splitlines() if line.startswith("diff --git a/"))
    return out


def _meta(p: _Posting, pattern: re.Pattern[str]) -> str | None:
    for msg in p.members:
        if m := pattern.search(msg.body):
            return m.group(1)
    return None


@dataclass
class _Chain:
    postings: list[_Posting]
    links: list[RevisionLink | None]


def _link(p: _Posting, chain: _Chain, thread: Thread) -> RevisionLink | None:
    last = chain.postings[-1]
    if (cid := _meta(p, _CHANGE_ID)) and cid == _meta(last, _CHANGE_ID):
        return RevisionLink("change-id", 1.0, f"change-id {cid}")
    if not _same_author(p.first, last.first):
        return None
    members = {m.msgid for q in chain.postings for m in q.members}
    newer = p.version > last.version or not p.first.subject.version_given
    if newer and any(a in members for a in thread.ancestors(p.first.msgid)):
        return RevisionLink("thread", 0.95, "sent in reply to an earlier revision")
    # Either order: a clock set wrong dates a later revision before an earlier one.
    gap = abs((p.first.date - last.first.date).total_seconds())
    if gap > _SERIES_WINDOW_S or p.version < last.version:
        return None
    title = _norm_title(p.cover or p.patches[min(p.patches)])
    subj = max(_similarity(title, _norm_title(q.cover or q.patches[min(q.patches)]))
               for q in chain.postings)
    mine, theirs = _paths(p), set().union(*(_paths(q) for q in chain.postings))
    files = len(mine & theirs) / min(len(mine), len(theirs)) if mine and theirs else 0.0
    if subj < 0.6 and files < 0.5:
        return None
    if p.version == last.version and p.first.subject.version_given and subj < 0.9:
        return None  # same explicit version, different content: another series
    confidence = round(0.5 * subj + 0.4 * files + 0.1 * (1 - gap / _SERIES_WINDOW_S), 2)
    return RevisionLink("author+subject+files", confidence,
                        f"same author, subject similarity {subj:.2f}, file overlap {files:.2f}")


def _chains(postings: list[_Posting], thread: Thread) -> list[_Chain]:
    """Postings linked in version order (subjects say it; Dates may not),
    postings of one version in date order."""
    chains: list[_Chain] = []
    for p in sorted(postings, key=lambda q: (q.version, q.first.date, q.first.msgid)):
        best: tuple[float, _Chain, RevisionLink] | None = None
        for chain in chains:
            link = _link(p, chain, thread)
            if link and (best is None or link.confidence > best[0]):
                best = (link.confidence, chain, link)
        if best:
            best[1].postings.append(p)
            best[1].links.append(best[2])
        else:
            chains.append(_Chain([p], [None]))
    return sorted(chains, key=lambda c: min((q.first.date, q.first.msgid) for q in c.postings))


def _replies(thread: Thread, owner: dict[str, tuple[int, int]]) -> dict[int, list[Reply]]:
    """Replies keyed by revision id, each attached to the nearest patch or cover."""
    out: dict[int, list[Reply]] = {}
    nearest: dict[str, str | None] = {}  # msgid → its nearest owned ancestor
    for msg in thread.messages.values():
        if msg.msgid in owner:
            continue
        anc = _owned_ancestor(thread, msg.msgid, owner, nearest)
        if anc is not None:
            rev_id, index = owner[anc]
            out.setdefault(rev_id, []).append(Reply(msg, anc, index))
    for replies in out.values():
        replies.sort(key=lambda r: (r.message.date, r.message.msgid))
    return out


def _owned_ancestor(thread: Thread, msgid: str, owner: dict[str, tuple[int, int]],
                    nearest: dict[str, str | None]) -> str | None:
    """The nearest ancestor that is a patch or cover, remembered for every
    mail on the way: linear in the thread, however deep the reply chain."""
    path: dict[str, None] = {}  # ordered, and a loop (build_thread cut them all) ends it
    cur, found = thread.parents.get(msgid), None
    while cur is not None and cur not in path:
        if cur in owner:
            found = cur
            break
        if cur in nearest:
            found = nearest[cur]
            break
        path[cur] = None
        cur = thread.parents.get(cur)
    for mid in path:
        nearest[mid] = found
    return found


def _build_revision(p: _Posting, version: int, link: RevisionLink | None, resend: bool,
                    replies: list[Reply], carried: dict[int, Patch]) -> Revision:
    patches = [to_patch(m, k, p.total, with_id=False) for k, m in sorted(p.patches.items())]
    have = {pt.index for pt in patches}
    carry = {k: pt for k, pt in carried.items() if k not in have and k <= p.total}
    if carry and link is not None and link.reason == "thread":
        patches = sorted(patches + list(carry.values()), key=lambda pt: pt.index)
        link = RevisionLink(link.reason, link.confidence,
                            link.detail + f"; carried forward {sorted(carry)} unchanged")
    expected = max(p.total, max((pt.index for pt in patches), default=0))
    indexes = {pt.index for pt in patches}
    first = p.cover or p.first
    return Revision(
        version=version,
        rfc=first.subject.rfc,
        resend=resend or first.subject.resend,
        cover=p.cover,
        patches=tuple(patches),
        replies=tuple(replies),
        expected=expected,
        missing=tuple(k for k in range(1, expected + 1) if k not in indexes),
        duplicates=tuple(sorted(set(p.duplicates))),
        base_commit=_meta(p, _BASE),
        change_id=_meta(p, _CHANGE_ID),
        link=link,
    )


def group_series(thread: Thread) -> list[Series]:
    """All series found in the thread, each with its revisions oldest first."""
    chains = _chains(_find_postings(thread), thread)
    owner: dict[str, tuple[int, int]] = {}
    for chain in chains:
        for p in chain.postings:
            for m in p.members:
                owner[m.msgid] = (id(p), 0 if m is p.cover else m.subject.counter)
    replies = _replies(thread, owner)
    result: list[Series] = []
    for chain in chains:
        revisions: list[Revision] = []
        for p, link in zip(chain.postings, chain.links, strict=True):
            prev = revisions[-1] if revisions else None
            version, resend = p.version, False
            if prev is not None and version <= prev.version:
                if p.first.subject.version_given:
                    resend = True
                else:  # an unlabeled re-roll: the next version
                    version = prev.version + 1
            carried = {pt.index: pt for pt in prev.patches} if prev else {}
            revisions.append(_build_revision(p, version, link, resend,
                                             replies.get(id(p), []), carried))
        result.append(Series(tuple(sorted(revisions, key=lambda r: (r.version, r.resend)))))
    return _with_patch_ids(result)


def _with_patch_ids(all_series: list[Series]) -> list[Series]:
    """Fill every patch's patch-id with one git process for the whole thread."""
    patches = {id(pt): pt for s in all_series for r in s.revisions for pt in r.patches}
    ids = dict(zip(patches, patch_ids([pt.diff for pt in patches.values()]), strict=True))

    def fill(rev: Revision) -> Revision:
        return replace(rev, patches=tuple(replace(pt, patch_id=ids[id(pt)])
                                          for pt in rev.patches))

    return [Series(tuple(fill(r) for r in s.revisions)) for s in all_series]
