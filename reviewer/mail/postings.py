"""Postings: the mails sent together as one revision (a cover and its k/n
patches), found through the reply tree, or — for mail without reference
headers — by sender, version and counters.  A mail addressed to a bot
(`#syz test:` with a diff, titled `[PATCH v2]` all the same) is no posting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from reviewer.mail.intent import stated_version
from reviewer.mail.mailinfo import to_patch
from reviewer.mail.people import full_name
from reviewer.model import Address, MailShape, Message, Patch, Thread

__all__ = ["Posting", "find_postings", "norm_title"]

_BASE = re.compile(r"^base-commit:\s*([0-9a-f]{7,40})\s*$", re.M)
_CHANGE_ID = re.compile(r"^change-id:\s*(\S+)\s*$", re.M)
_DIFFSTAT = re.compile(r"^ \d+ files? changed, ", re.M)
# A syzbot command (`#syz test: git://...`, `#syz fix:`) asks a bot to test
# or close something: the diff it carries is no revision of a series,
# unless it is a signed-off commit message that also asks the bot.
_BOT_COMMAND = re.compile(r"^#syz[ \t]+\w", re.M)
_SIGNOFF = re.compile(r"^\s*Signed-off-by:", re.I | re.M)
_PREFIX = re.compile(r"^[\w./,-]+(?:\s*/\s*[\w.-]+)*:\s+")
_SHORT_LINE = 12
# Postings sent without any reference header are joined only this close in time.
_LOOSE_WINDOW_S = 12 * 3600
# Mails without a Message-ID (git format-patch files) get one in this domain
# (reviewer.mail.message): they were never sent, their Date is the author date.
_UNSENT = "@reviewer.invalid"


@dataclass(eq=False)
class Posting:
    first: Message
    cover: Message | None = None
    mails: dict[int, Message] = field(default_factory=dict)  # k → patch mail
    duplicates: list[int] = field(default_factory=list)
    total: int = 1
    # The version grouping gives it when no subject does: from its notes
    # (reviewer.mail.intent) or its place after a numbered revision.
    inferred: int | None = None

    @property
    def members(self) -> list[Message]:
        return ([self.cover] if self.cover else []) + list(self.mails.values())

    @property
    def head(self) -> Message:
        """The mail that names the posting: its cover, else its first patch."""
        return self.cover or self.mails[min(self.mails)]

    @property
    def version(self) -> int:
        """The author's number: the cover's, else the highest a patch gives,
        else the one inferred."""
        given = [m.subject.version for m in self.members if m.subject.version_given]
        if self.cover is not None and self.cover.subject.version_given:
            return self.cover.subject.version
        return max(given, default=self.inferred or 1)

    @property
    def version_given(self) -> bool:
        return any(m.subject.version_given for m in self.members)

    @property
    def stated_version(self) -> int | None:
        """The version its cover letter or notes below `---` give."""
        texts = ([self.cover.body] if self.cover else []) + [p.notes for p in self.patches.values()]
        return max(filter(None, map(stated_version, texts)), default=None)

    @cached_property
    def patches(self) -> dict[int, Patch]:
        """The patch mails split into message, notes and diff (patch-ids come
        later, for the whole thread at once)."""
        return {k: to_patch(m, k, self.total, with_id=False) for k, m in sorted(self.mails.items())}

    @cached_property
    def people(self) -> tuple[Address, ...]:
        """Who sent it and who wrote its patches (the in-body `From:`)."""
        found = [self.first.sender, *(m.sender for m in self.members)]
        found += [p.author for p in self.patches.values()]
        return tuple(dict.fromkeys(found))

    @cached_property
    def title(self) -> str:
        """The main title, lower case, without prefix: the cover's or the first patch's."""
        return norm_title(self.head.subject.summary)

    @cached_property
    def titles(self) -> frozenset[str]:
        """The cover's and the patches' titles, lower case, prefix kept."""
        found = [self.head.subject.summary] + [p.title for p in self.patches.values()]
        return frozenset(" ".join(t.lower().split()) for t in found)

    @cached_property
    def paths(self) -> frozenset[str]:
        return frozenset(path for p in self.patches.values() for path in p.paths)

    @cached_property
    def edits(self) -> tuple[tuple[str, ...], ...]:
        """Per patch, its added and removed lines, whitespace squeezed: equal
        for the same patches sent again, rebased or not."""
        return tuple(tuple(" ".join(line.split()) for f in p.files for h in f.hunks
                           for line in h.lines if line[:1] in "+-")
                     for p in self.patches.values())

    @cached_property
    def changed_lines(self) -> frozenset[str]:
        """The edited lines of all patches; short ones (`}`, `return 0;`)
        say nothing about which change it is."""
        return frozenset(line for lines in self.edits for line in lines
                         if len(line) > _SHORT_LINE)

    def meta(self, pattern: re.Pattern[str]) -> str | None:
        for msg in self.members:
            if m := pattern.search(msg.body):
                return m.group(1)
        return None

    @property
    def base_commit(self) -> str | None:
        return self.meta(_BASE)

    @property
    def change_id(self) -> str | None:
        return self.meta(_CHANGE_ID)

    def accepts(self, msg: Message) -> bool:
        return msg.subject.counter not in self.mails


def norm_title(title: str) -> str:
    return _PREFIX.sub("", title.lower()).strip()


def is_cover(msg: Message) -> bool:
    s = msg.subject
    return s.counters_given and s.counter == 0 and not s.is_reply


def _is_patch(msg: Message, thread: Thread) -> bool:
    if not msg.has_diff or msg.subject.is_reply or is_cover(msg):
        return False
    head = msg.body.split("\ndiff --git ", 1)[0]
    if (command := _BOT_COMMAND.search(head)) and not _submission(head, command.start()):
        return False
    return not _attached_to_reply(msg, thread)


def _submission(head: str, command: int) -> bool:
    """A mail with a syzbot command is still a patch submission when a
    commit message comes before the command and it is signed off."""
    return bool(head[:command].strip()) and bool(_SIGNOFF.search(head))


def _attached_to_reply(msg: Message, thread: Thread) -> bool:
    """A patch attached to a reply ("updated patch attached") is part of the
    discussion, as a diff written inline in a reply is: no posting.  The
    carrier is the nearest ancestor that is not itself an attached mail."""
    if MailShape.ATTACHED_MAIL not in msg.shapes:
        return False
    for anc in thread.ancestors(msg.msgid):
        carrier = thread.messages.get(anc)
        if carrier is None:
            return False
        if MailShape.ATTACHED_MAIL not in carrier.shapes:
            return carrier.subject.is_reply
    return False


def same_sender(a: Message, b: Message) -> bool:
    if a.sender.email.lower() == b.sender.email.lower():
        return True
    name = full_name(a.sender.name)
    return name is not None and name == full_name(b.sender.name)


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


def find_postings(thread: Thread) -> list[Posting]:
    """Every posting of the thread, in the order their first mails were
    sent (a mail never before the one it answers)."""
    candidates = [m for m in thread.messages.values() if is_cover(m) or _is_patch(m, thread)]
    owner: dict[str, Posting] = {}
    postings: list[Posting] = []
    for msg in _parents_first(candidates, thread):
        posting = _threaded_posting(msg, thread, owner) or _loose_posting(msg, postings, thread)
        if posting is None or (is_cover(msg) and posting.cover is not None):
            posting = Posting(first=msg)
            postings.append(posting)
        if is_cover(msg):
            posting.cover = msg
        elif msg.subject.counter in posting.mails:
            posting.duplicates.append(msg.subject.counter)
            continue
        else:
            posting.mails[msg.subject.counter] = msg
        posting.total = max(posting.total, msg.subject.total)
        owner[msg.msgid] = posting
    postings = [p for p in postings if p.mails]
    taken = {q.cover.msgid for q in postings if q.cover}
    for p in postings:
        if p.cover is None:
            p.cover = _naked_cover(p, thread, taken)
    return postings


def _naked_cover(p: Posting, thread: Thread, taken: set[str]) -> Message | None:
    """A cover letter without `[PATCH 0/N]` (b4's rule): the mail a patch
    answers, when it holds no diff and has a diffstat or is a thread root
    sent by the patch's author.  A bug report by someone else that the
    patch answers is not a cover."""
    for _k, msg in sorted(p.mails.items()):
        parent = thread.messages.get(msg.in_reply_to or "")
        if (parent is None or parent.has_diff or parent.msgid in taken
                or parent.subject.is_reply or is_cover(parent)):
            continue
        root_by_author = (parent.parent_id is None
                          and parent.sender.email.lower() == msg.sender.email.lower())
        if root_by_author or _DIFFSTAT.search(parent.body):
            return parent
    return None


def _threaded_posting(msg: Message, thread: Thread, owner: dict[str, Posting]) -> Posting | None:
    """The posting of the nearest ancestor sent with it (same sender and
    version, or no version given: `[PATCH 1/4]` under a `v3 0/4` cover).
    Another sender's patch joins only with the same k/n total: unsent
    `git format-patch --thread` files carry each commit's author in From."""
    if not msg.subject.counters_given or is_cover(msg):  # `[PATCH 1/1]` has its 0/1
        return None
    for anc in thread.ancestors(msg.msgid):
        posting = owner.get(anc)
        if posting is None or not (same_sender(posting.first, msg)
                                   or posting.total == msg.subject.total):
            continue
        version_ok = not msg.subject.version_given or msg.subject.version == posting.version
        if version_ok and posting.accepts(msg):
            return posting
        return None
    return None


def _loose_posting(msg: Message, postings: list[Posting], thread: Thread) -> Posting | None:
    """A k/n patch without a usable parent: the latest open posting of the
    same sender, version and size, sent shortly before (at any date for
    unsent format-patch files, whose dates are the commits' author dates).
    An unsent file's From is its commit's author, and a series may hold
    patches by several: failing a posting by the same author, one by
    another that still lacks this counter is taken.  Patches one sender
    sent in answer to the same mail, absent from the thread (the cover
    letter the archive lacks), are one posting."""
    s = msg.subject
    if not s.counters_given or s.total < 2:
        return None
    if msg.parent_id:
        return next((p for p in reversed(postings) if msg.parent_id not in thread.messages
                     and p.first.parent_id == msg.parent_id and same_sender(p.first, msg)
                     and p.total == s.total and p.version == s.version and p.accepts(msg)),
                    None)
    fallback = None
    for posting in reversed(postings):
        unsent = msg.msgid.endswith(_UNSENT) and posting.first.msgid.endswith(_UNSENT)
        gap = (msg.date - posting.first.date).total_seconds()
        close = unsent or 0 <= gap <= _LOOSE_WINDOW_S
        if (close and posting.version == s.version and posting.total == s.total
                and posting.accepts(msg) and posting.first.parent_id is None):
            if same_sender(posting.first, msg):
                return posting
            if unsent and fallback is None:
                fallback = posting
    return fallback
