"""The human comments on one revision as a discussion: who answered whom,
which comments are requests (one per point), and what the discussion of
each request said about it.

- A request is a comment of a reviewer other than the author that asks
  for something (reviewer.compare.replies); a comment going on with the
  request of the comment before it in the same reply joins it; a reviewer
  correcting their own request adds none; a reviewer answering the
  author's answer to their own request argues for it, and only an explicit
  ask there is a new one.
- Its discussion is the replies quoting it, or quoting a reply that does,
  and the author's answer beside it (both answering the same mail): the
  author's last word, anyone's decline or report of it being done, and
  the requester withdrawing it.  Further down, only a decline still
  speaks to it (an agreement there answers the later request it quotes).
- A request quoting only another mail is about the patch code its
  discussion started from: up the thread, the first comment quoting the
  patch whose words or code share a C name with the request.

The thread is indexed by mail, so the work grows with the depth of the
discussion rather than with the number of replies.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

from reviewer.compare.comments import Comment, inline_comments
from reviewer.compare.quotes import Side, classify, quote_keys
from reviewer.compare.replies import (
    Response,
    authors,
    continues,
    explicit,
    is_bot,
    requests_in,
    response_to,
    same_person,
)
from reviewer.compare.wording import idents, norm, short
from reviewer.model import Address, EvidenceKind, QuoteKind, Reply, Revision

__all__ = ["Discussion", "Evidence", "Said"]

_PLACE = 12  # quoted lines just above a comment: the code it is about
_QUOTE_MATCH = 12  # characters a quoted line needs to identify the comment it quotes


@dataclass(frozen=True)
class Evidence:
    kind: EvidenceKind
    detail: str
    msgid: str | None = None  # the reply it comes from, for accepted/declined/done
    against: bool = False  # it shows the request was not (fully) done


@dataclass(frozen=True)
class Said:
    """One comment of one reply."""

    reply: Reply
    comment: Comment

    @property
    def sender(self) -> Address:
        return self.reply.message.sender

    @property
    def msgid(self) -> str:
        return self.reply.message.msgid


@functools.lru_cache(maxsize=4096)
def _flat(words: str) -> str:
    return norm(words)


def quotes(later: Comment, earlier: Comment) -> bool:
    """Does `later` answer the words of `earlier` (quote them just above
    its own words)?"""
    words = _flat(earlier.words)
    return any(len(q) >= _QUOTE_MATCH and q in words
               for q in (norm(line) for line in later.tail))


class Discussion:
    """The human comments on a revision, in thread order, indexed by mail."""

    def __init__(self, rev: Revision) -> None:
        replies = sorted(rev.replies, key=lambda r: (r.message.date, r.message.msgid))
        self.mine = authors(rev)
        self.said = [Said(r, c) for r in replies if not is_bot(r.message)
                     for c in inline_comments(r.message.body)]
        self._parent = {r.message.msgid: r.message.parent_id for r in replies}
        self._children: dict[str | None, list[str]] = {}
        for r in replies:
            self._children.setdefault(r.message.parent_id, []).append(r.message.msgid)
        self._mail: dict[str, list[Said]] = {}
        for s in self.said:
            self._mail.setdefault(s.msgid, []).append(s)

    def by_author(self, who: Address) -> bool:
        return any(same_person(who, a) for a in self.mine)

    def mail(self, msgid: str | None) -> list[Said]:
        return self._mail.get(msgid or "", [])

    def _up(self, msgid: str) -> Iterator[str]:
        """The mails above `msgid` in the thread, nearest first."""
        seen = {msgid}
        at = self._parent.get(msgid)
        while at is not None and at not in seen:
            seen.add(at)
            yield at
            at = self._parent.get(at)

    def _below(self, msgid: str) -> set[str]:
        out: set[str] = set()
        todo = list(self._children.get(msgid, []))
        while todo:
            at = todo.pop()
            if at not in out:
                out.add(at)
                todo += self._children.get(at, [])
        return out

    def answers_author(self, s: Said) -> bool:
        """Is `s` in a reply to one of the author's own mails?"""
        parent = self.mail(s.reply.message.parent_id)
        return bool(parent) and self.by_author(parent[0].sender)

    def _amends_own(self, s: Said) -> bool:
        """A reviewer answering their own mail and quoting a request they
        made in it ("Sorry, the location of this was wrong")."""
        return any(same_person(o.sender, s.sender) and quotes(s.comment, o.comment)
                   and requests_in(o.comment) for o in self.mail(s.reply.message.parent_id))

    def _argues(self, s: Said) -> bool:
        """A reviewer answering the author's answer to their own request."""
        answers = [p for p in self.mail(s.reply.message.parent_id)
                   if self.by_author(p.sender) and quotes(s.comment, p.comment)]
        return any(same_person(o.sender, s.sender) and quotes(p.comment, o.comment)
                   and requests_in(o.comment)
                   for p in answers for up in self._up(p.msgid) for o in self.mail(up))

    def requests(self) -> list[Said]:
        """The requests, one per point, each with the words that ask it."""
        out: list[Said] = []
        last: Said | None = None  # the comment before, when out[-1] came from it
        for s in self.said:
            if self.by_author(s.sender) or self._amends_own(s):
                last = None
                continue
            parts = requests_in(s.comment)
            if self._argues(s):
                parts = [p for p in parts if explicit(p)]
            if parts and last is not None and last.reply is s.reply \
                    and continues(parts[0], out[-1].comment.words, s.comment.quoted):
                prev = out[-1]
                out[-1] = Said(prev.reply, replace(prev.comment, words=f"{prev.comment.words}"
                                                   f"\n\n{parts.pop(0)}"))
            out += [Said(s.reply, replace(s.comment, words=part)) for part in parts]
            last = s if out and out[-1].reply is s.reply else None
        return out

    def place(self, req: Said, before: Side) -> Said | None:
        """For a request quoting another mail only: the comment on the
        patch's code its discussion started from, up the thread."""
        chain = [req.comment]
        names = idents(req.comment.words)
        for up in self._up(req.msgid):
            for other in reversed(self.mail(up)):
                if not any(quotes(c, other.comment) for c in chain):
                    continue
                near = other.comment.direct[-_PLACE:]
                if classify(quote_keys(near), before, True)[0] is QuoteKind.DIFF \
                        and names & idents("\n".join((*near, other.comment.words))):
                    return other
                chain.append(other.comment)
        return None

    def responses(self, req: Said) -> list[Evidence]:
        """What the discussion of `req` said about it."""
        out: list[Evidence] = []
        author_said: Evidence | None = None
        chain = [req.comment]
        parent = req.reply.message.parent_id
        near = self._below(req.msgid) | set(self._children.get(parent, []))
        for other in (s for s in self.said if s.msgid in near and s.reply is not req.reply):
            direct = quotes(other.comment, req.comment)
            by_author = self.by_author(other.sender)
            beside = by_author and other.reply.message.parent_id == parent
            if not (direct or beside or any(quotes(other.comment, c) for c in chain)):
                continue
            chain.append(other.comment)
            answer = response_to(other.comment)
            if same_person(other.sender, req.sender) and answer is not Response.DECLINE:
                continue  # the requester insisting, or agreeing with an objection: withdrawn
            if answer is None or (answer is Response.ACCEPT and not by_author) \
                    or (answer is not Response.DECLINE and not direct):
                continue  # further down, only a decline still speaks to this request
            kind = {Response.ACCEPT: EvidenceKind.ACCEPTED,
                    Response.DECLINE: EvidenceKind.DECLINED,
                    Response.DONE: EvidenceKind.DONE}[answer]
            ev = Evidence(kind, f"{other.sender.name or other.sender.email}: "
                          f"\"{short(other.comment.words, 140)}\"", other.msgid)
            if by_author:
                author_said = ev
            else:
                out.append(ev)
        return out + ([author_said] if author_said else [])
