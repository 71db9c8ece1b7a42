"""Split a thread into series and their revisions (v1, v2 …).

Two steps.  First, *postings* (reviewer.mail.postings): the mails sent
together as one revision.  Second, *series*: postings linked into one
series by change-id, by one replying into the other's thread, or by the
same author (the same person, reviewer.mail.people) with a similar
subject, similar diffs or, for a higher version, the same files.  There is
no time limit: a series may rest for months.  Each link keeps its reason
and a confidence.

Revisions keep the author's own version numbers.  A posting no subject
numbers takes the one its notes state ("Changes since v2": v3), or, sent
after a v1 and a numbered v2 or later, the next one (the same one when it
repeats that revision's patches).  One revision sent twice, the second a
minute later with a header typo fixed, is one: the send that got replies.
Their labels, unique in the series and usable on the command line, are
`v3`; `v3-resend` or `v3-repost` when v3 was posted again; `v4.1` for a
partial respin (one patch re-sent in reply to v4, `[PATCH v2 3/7]`, whose
"v2" numbers the patch).  `Revision.order` is their order: by version
(the subjects say it, Dates may not), then date.
b4's `LoreMailbox` keys revisions by version alone, so it cannot tell two
series apart nor see a revision whose subject changed; this module can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from reviewer.mail.people import Identities
from reviewer.mail.postings import Posting, find_postings, norm_title
from reviewer.model import Patch, Reply, Revision, RevisionLink, Series, Thread
from reviewer.tree.gitrepo import patch_ids

__all__ = ["group_series"]

# Titles this similar name the same change; diffs sharing this much of
# their changed lines are the same change re-rolled.
_SAME_TITLE = 0.6
_SAME_DIFF = 0.5
# A posting that does not raise the version must repeat its predecessor.
_REPOST_TITLE = 0.9
_REPOST_DIFF = 0.8
# Candidate chains are found by title words this long; one shared by more
# chains than this (by one person) is too common to say anything.
_MIN_WORD = 4
_COMMON = 50
_WORD = re.compile(r"[\w-]+")


def _similarity(a: str, b: str) -> float:
    ta, tb = set(a.split()), set(b.split())
    tokens = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    if tokens == 1.0 or not (a and b):
        return tokens
    matcher = SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < _SAME_TITLE or matcher.quick_ratio() < _SAME_TITLE:
        return tokens  # the ratio cannot reach a threshold: not worth computing
    return max(tokens, matcher.ratio())


def _title_similarity(p: Posting, q: Posting) -> float:
    """1 when a title is shared (a v2 3/3 that keeps v1's subject), else
    how alike their main titles read."""
    return 1.0 if p.titles & q.titles else _similarity(p.title, q.title)


def _overlap(a: frozenset[str], b: frozenset[str], least: int = 1) -> float:
    """The share of the smaller set found in the other: a re-roll that
    grows keeps most of what it had.  Below `least` shared items, 0."""
    shared = len(a & b)
    return shared / min(len(a), len(b)) if shared >= least else 0.0


@dataclass
class _Chain:
    postings: list[Posting]
    links: list[RevisionLink | None]

    @property
    def top(self) -> int:
        return max(p.version for p in self.postings)


def _link(p: Posting, chain: _Chain, answers: set[int],
          persons: dict[int, frozenset[str]]) -> RevisionLink | None:
    """`answers`: the postings `p` was sent in reply to (by id)."""
    if (cid := p.change_id) and any(q.change_id == cid for q in chain.postings):
        return RevisionLink("change-id", 1.0, f"change-id {cid}")
    mine = [q for q in chain.postings if persons[id(p)] & persons[id(q)]]
    if not mine:
        return None
    if any(id(q) in answers for q in mine):
        return RevisionLink("thread", 0.95, "sent in reply to an earlier revision")
    subj = max(_title_similarity(p, q) for q in mine)
    diff = max(_overlap(p.changed_lines, q.changed_lines, 2) for q in mine)
    files = max(_overlap(p.paths, q.paths) for q in mine)
    higher = (p.version_given or p.inferred is not None) and p.version > chain.top
    if not (subj >= _SAME_TITLE or diff >= _SAME_DIFF or (higher and files >= 0.5)):
        return None
    if not higher and diff < _REPOST_DIFF and not (subj >= _REPOST_TITLE and files >= 0.5):
        return None  # the same or a lower version with other content: another series
    confidence = round(0.6 * max(subj, diff) + 0.4 * files, 2)
    return RevisionLink("author+subject+files", confidence,
                        f"same author, subject similarity {subj:.2f}, diff similarity "
                        f"{diff:.2f}, file overlap {files:.2f}")


def _same_patches(p: Posting, q: Posting) -> bool:
    """The same patches sent again: as many, each making the same edits."""
    return p.edits == q.edits


def _number_unnumbered(chain: _Chain, thread: Thread) -> None:
    """A posting no subject or note numbers, sent after a v1 and a numbered
    v2 or later, is not v1 again: it is the next version, or the version of
    the posting whose patches it repeats.  Without an earlier v1 it is the
    v1, its Date wrong.  The chain is put back in `_in_order` then (its
    first posting has no link)."""
    top = 0
    earlier: list[Posting] = []
    for p in sorted(chain.postings, key=lambda p: (p.first.date, p.first.msgid)):
        first_seen = any(q.version == 1 for q in earlier)
        if not p.version_given and p.inferred is None and top > 1 and first_seen:
            again = next((q for q in reversed(earlier) if _same_patches(p, q)), None)
            taken = {q.version for q in chain.postings if q.version_given}
            if again is not None or top + 1 not in taken:
                p.inferred = again.version if again is not None else top + 1
        top = max(top, p.version)
        earlier.append(p)
    link = {id(p): lk for p, lk in zip(chain.postings, chain.links, strict=True)}
    ordered = _in_order(chain.postings, thread)
    if ordered[0] is not chain.postings[0]:  # the new first one hands its link over
        link[id(chain.postings[0])], link[id(ordered[0])] = link[id(ordered[0])], None
    chain.postings, chain.links = ordered, [link[id(p)] for p in ordered]


def _drop_double_sends(chain: _Chain, replies: dict[int, list[Reply]]
                       ) -> dict[int, tuple[str, ...]]:
    """One revision sent twice, the same version, titles and diffs and no
    RESEND (a header typo fixed a minute later), is one revision: the send
    that got replies.  The other got none and is dropped from the chain;
    its Message-IDs are returned, keyed by the posting kept."""
    also: dict[int, tuple[str, ...]] = {}
    for p in list(chain.postings):
        if replies.get(id(p)) or p.head.subject.resend:
            continue
        twin = next((q for q in chain.postings if q is not p and replies.get(id(q))
                     and not q.head.subject.resend and q.version == p.version
                     and q.titles == p.titles and _same_patches(p, q)), None)
        if twin is None:
            continue
        at = chain.postings.index(p)
        del chain.postings[at], chain.links[at]
        if at == 0:
            chain.links[0] = None
        also[id(twin)] = also.get(id(twin), ()) + tuple(m.msgid for m in p.members)
    return also


def _keys(p: Posting, persons: frozenset[str]) -> list[str]:
    """What a chain must share with `p` for `p` to link to it: its
    change-id, or one of its people with one of its files or title words
    (a link needs a similar title or diff, or the same files)."""
    words = {w for t in p.titles for w in _WORD.findall(norm_title(t)) if len(w) >= _MIN_WORD}
    keys = [f"c:{p.change_id}"] if p.change_id else []
    keys += [f"{kind}:{who}\0{x}" for who in sorted(persons)
             for kind, xs in (("f", p.paths), ("t", words), ("s", p.titles)) for x in sorted(xs)]
    return keys


def _in_order(postings: list[Posting], thread: Thread) -> list[Posting]:
    """Version order (the subjects say it; Dates may not: a clock set wrong,
    unsent files), then date.  A posting sent in reply to another counts
    that one's version too: `[PATCH v2 3/7]` answering v4 comes after v4."""
    sent_in = {m.msgid: p for p in postings for m in p.members}

    def version(p: Posting) -> int:
        above = [sent_in[a].version for a in thread.ancestors(p.first.msgid) if a in sent_in]
        return max([p.version, *above])

    return sorted(postings, key=lambda p: (version(p), p.first.date, p.first.msgid))


def _chains(postings: list[Posting], thread: Thread, ids: Identities) -> list[_Chain]:
    """Each posting, in `_in_order`, joins the chain it links to best.  Only
    chains sharing a key with it (`_keys`) or holding a mail it answers are
    tried: a thousand unrelated patches, by one person or many, are not
    compared pair by pair.  A key shared by too many chains says too
    little.  The chains come out in the order of their first mails."""
    persons = {id(p): frozenset(ids.person(a) for a in p.people) for p in postings}
    sent_in = {m.msgid: p for p in postings for m in p.members}
    chain_of: dict[int, _Chain] = {}  # posting id → the chain it joined
    chains: list[_Chain] = []
    by_key: dict[str, list[_Chain]] = {}
    for p in _in_order(postings, thread):
        keys = _keys(p, persons[id(p)])
        answers = {id(sent_in[a]) for a in thread.ancestors(p.first.msgid) if a in sent_in}
        found = [chain_of[q] for q in answers if q in chain_of]  # sent earlier
        found += [c for k in keys if len(shared := by_key.get(k, [])) <= _COMMON for c in shared]
        best: tuple[float, _Chain, RevisionLink] | None = None
        for chain in {id(c): c for c in found}.values():
            link = _link(p, chain, answers, persons)
            if link and (best is None or link.confidence > best[0]):
                best = (link.confidence, chain, link)
        if best:
            chain = best[1]
            chain.postings.append(p)
            chain.links.append(best[2])
        else:
            chain = _Chain([p], [None])
            chains.append(chain)
        chain_of[id(p)] = chain
        for k in keys:
            if chain not in by_key.setdefault(k, []):
                by_key[k].append(chain)
    return sorted(chains, key=lambda c: min((q.first.date, q.first.msgid) for q in c.postings))


def _replies(thread: Thread, owner: dict[str, tuple[int, int]]) -> dict[int, list[Reply]]:
    """Replies keyed by posting id, each attached to the nearest patch or cover."""
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


@dataclass(frozen=True)
class _Place:
    """Where a posting stands in its series: its number and unique label,
    and for a partial respin, the revision whose other patches it keeps."""

    version: int
    label: str
    respins: Revision | None


def _respun(p: Posting, thread: Thread, sent: dict[str, Revision]) -> Revision | None:
    """The revision a posting partly re-sends: it came in reply to one of
    its mails, has no cover of its own and leaves some of the same k/n out."""
    if p.cover is not None or set(range(1, p.total + 1)) <= set(p.mails):
        return None
    rev = next((sent[a] for a in thread.ancestors(p.first.msgid) if a in sent), None)
    return rev if rev is not None and rev.expected == p.total else None


def _place(p: Posting, respins: Revision | None, done: list[Revision]) -> _Place:
    used = {r.label for r in done}
    if respins is not None and not (p.version_given and p.version > respins.version):
        base = respins.label.split(".")[0]
        n = 1 + sum(1 for label in used if label.startswith(base + "."))
        return _Place(respins.version, f"{base}.{n}", respins)
    label = f"v{p.version}"
    if label in used:
        kind = "resend" if p.head.subject.resend else "repost"
        n = 1
        while (label := f"v{p.version}-{kind}{n if n > 1 else ''}") in used:
            n += 1
    return _Place(p.version, label, respins)


def _build_revision(p: Posting, place: _Place, order: int, link: RevisionLink | None,
                    replies: list[Reply], also_sent: tuple[str, ...]) -> Revision:
    patches = list(p.patches.values())
    kept = place.respins
    if kept is not None and link is not None:
        carry = [pt for pt in kept.patches if pt.index not in p.patches and pt.index <= p.total]
        patches = sorted(patches + carry, key=lambda pt: pt.index)
        link = RevisionLink(link.reason, link.confidence, link.detail + "; re-sends "
                            f"{sorted(p.patches)} of {kept.label}, the others carried over")
    expected = max(p.total, max((pt.index for pt in patches), default=0))
    indexes = {pt.index for pt in patches}
    head = p.head
    return Revision(
        version=place.version,
        rfc=head.subject.rfc,
        resend=head.subject.resend,
        cover=p.cover,
        patches=tuple(patches),
        replies=tuple(replies),
        expected=expected,
        missing=tuple(k for k in range(1, expected + 1) if k not in indexes),
        duplicates=tuple(sorted(set(p.duplicates))),
        base_commit=p.base_commit,
        change_id=p.change_id,
        link=link,
        label=place.label,
        order=order,
        partial=kept is not None,
        also_sent=also_sent,
    )


def group_series(thread: Thread) -> list[Series]:
    """All series found in the thread, each with its revisions in the order
    they were sent."""
    postings = find_postings(thread)
    for p in postings:
        if not p.version_given:
            p.inferred = p.stated_version
    ids = Identities.of([m.sender for m in thread.messages.values()]
                        + [a for p in postings for a in p.people])
    chains = _chains(postings, thread, ids)
    for chain in chains:
        _number_unnumbered(chain, thread)
    owner: dict[str, tuple[int, int]] = {}
    for chain in chains:
        for p in chain.postings:
            for m in p.members:
                owner[m.msgid] = (id(p), 0 if m is p.cover else m.subject.counter)
    replies = _replies(thread, owner)
    result: list[Series] = []
    for chain in chains:
        also_sent = _drop_double_sends(chain, replies)
        revisions: list[Revision] = []
        sent: dict[str, Revision] = {}  # msgid → the revision it was sent in
        for order, (p, link) in enumerate(zip(chain.postings, chain.links, strict=True), 1):
            respins = _respun(p, thread, sent) if link and link.reason == "thread" else None
            rev = _build_revision(p, _place(p, respins, revisions), order, link,
                                  replies.get(id(p), []), also_sent.get(id(p), ()))
            revisions.append(rev)
            sent.update((m.msgid, rev) for m in p.members)
        result.append(Series(tuple(revisions)))
    return _with_patch_ids(result)


def _with_patch_ids(all_series: list[Series]) -> list[Series]:
    """Fill every patch's patch-id with one git process for the whole thread
    (a patch carried into a partial respin is the same object: one id)."""
    patches: dict[int, Patch] = {id(pt): pt for s in all_series for r in s.revisions
                                 for pt in r.patches}
    ids = dict(zip(patches, patch_ids([pt.diff for pt in patches.values()]), strict=True))
    filled = {key: replace(pt, patch_id=ids[key]) for key, pt in patches.items()}

    def fill(rev: Revision) -> Revision:
        return replace(rev, patches=tuple(filled[id(pt)] for pt in rev.patches))

    return [Series(tuple(fill(r) for r in s.revisions)) for s in all_series]
