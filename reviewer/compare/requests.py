"""The changes human reviewers asked for on one revision, and what the next
revision did about each — decided from evidence, shown with the verdict,
in this order:

1. someone replied it was done without a new revision, or the next
   revision has the code (or quoted text) the reviewer suggested, or the
   trailer asked for (Fixes:, Cc: stable ...), and nothing shows a part
   missing → **addressed**;
2. its changelog or a new commit-message sentence names it → addressed;
3. only part of the suggested code is there, or the trailer asked for is
   not → **open**;
4. its new code uses a C name the reviewer wrote, or an API change the
   comment quotes is gone → addressed;
5. the interdiff of the paired patches changes the quoted lines, or a split
   was asked and another patch took lines of the quoted one → addressed;
6. the author (or a maintainer) declined it with a reason → **rejected-with-
   reason**;
7. the quoted lines moved to another patch: addressed when a split was
   asked, else open; removed while the code around stayed: addressed when
   the reviewer asked for the removal, else **superseded**; gone with the
   code around them → superseded; unchanged → open (an agreement in a
   reply is shown, but a promise is not a change);
8. nothing checkable quoted and the author agreed → addressed; else
   **unclear**.  With no next revision: done → addressed, declined →
   rejected-with-reason, else **unknown**.

Which comments are requests, and what their discussion said about them:
reviewer.compare.discussion.  A request quoting only another mail (a
reviewer repeating an ask after the author argued) is judged on the code
its discussion started from.  Shared words alone never make a request
addressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewer.compare.apidiff import ApiDiff
from reviewer.compare.changelog import revision_changelog
from reviewer.compare.discussion import Discussion, Evidence, Said
from reviewer.compare.pairing import PatchPair, pair_patches
from reviewer.compare.quotes import (
    QuoteCheck,
    Side,
    check_quote,
    classify,
    quote_keys,
    trailing_trivial,
)
from reviewer.compare.replies import Ask, is_support, what_it_asks
from reviewer.compare.wording import Topic, idents, match, short
from reviewer.model import (
    Address,
    CodeState,
    EvidenceKind,
    Patch,
    QuoteKind,
    Revision,
    Verdict,
)

__all__ = ["Evidence", "Request", "review_requests"]

_MAX_UNITS = 3  # changelog sentences kept as evidence per request, best first
_NEAREST = 3  # quoted lines just above the words: what the words are about


@dataclass(frozen=True)
class Request:
    """A change a human reviewer asked for in one inline comment."""

    reviewer: Address
    msgid: str  # the review mail
    answers: str  # the patch or cover letter the reply sits under
    patch: int  # 0 for the cover letter or the revision as a whole
    quoted: tuple[str, ...]  # the lines it answers, quote markers removed
    quote_kind: QuoteKind
    file: str | None  # for diff quotes
    words: str  # the reviewer's comment
    code: CodeState  # the quoted lines in the next revision
    verdict: Verdict
    evidence: tuple[Evidence, ...]


def _named(req: Said, kind: QuoteKind, new: Revision, before: Side, after: Side,
           units: list[tuple[str, str]], topic: Topic, api: ApiDiff | None) -> list[Evidence]:
    """Where the next revision names the request: changelog, commit message,
    code using a C name the reviewer wrote, an API change it quotes gone."""
    comment = req.comment
    direct = "\n".join(comment.direct[-_NEAREST:])
    # A quote of another mail is part of what the reviewer is talking about.
    words = comment.words + ("\n" + direct if kind is QuoteKind.REPLY else "")
    changed = [q[1:] for q in comment.direct if q[:1] in ("+", "-")][-_NEAREST:]
    extra = idents("\n".join(changed)) if kind is QuoteKind.DIFF else set()
    loose = {"changelog"} | ({"commit-message"} if kind is QuoteKind.MESSAGE else set())
    scored = sorted(((*match(words, extra, unit, topic, source in loose), source, unit)
                     for source, unit in units), key=lambda m: -m[0])
    out = [Evidence(EvidenceKind(source), f"{short(unit)} [{', '.join(shared)}]")
           for score, shared, source, unit in scored[:_MAX_UNITS] if score]
    # Only names with an underscore: `dput()` is everywhere, `d_lock` is a choice.
    adopted = {n for n in idents(comment.words) & after.changed_idents
               if "_" in n} - before.all_idents
    if adopted:
        out.append(Evidence(EvidenceKind.ADOPTED, f"{new.label} changes code using "
                            f"{', '.join(sorted(adopted))}"))
    if api is not None:
        named = idents("\n".join(comment.direct))
        still = {c.name for c in api.introduced}
        gone = sorted({c.name for c in api.dropped if c.name in named and c.name not in still})
        if gone:
            out.append(Evidence(EvidenceKind.API_DROPPED, f"{new.label} no longer changes "
                                f"{', '.join(gone)} (API surface)"))
    return out


def _suggestion(ask: Ask, before: Side, after: Side, new: Revision) -> Evidence | None:
    """Is the code (or quoted text) the reviewer suggested in the new
    revision?  Lines the old revision already had are no suggestion."""
    offered = [c for c in ask.code if c not in before.text]
    there = [c for c in offered if c in after.text]
    if not offered or not there:
        return None
    if len(there) == len(offered):
        return Evidence(EvidenceKind.SUGGESTED, f"{new.label} has what the reviewer suggested: "
                        f"\"{short(there[0], 100)}\"")
    missing = next(c for c in offered if c not in there)
    return Evidence(EvidenceKind.SUGGESTED, f"only partly: {new.label} has {len(there)} of "
                    f"{len(offered)} suggested lines, not \"{short(missing, 100)}\"",
                    against=True)


def _has_tag(patch: Patch, tag: str) -> bool:
    if tag == "cc":
        return any(t.lname == "cc" and "stable@" in t.value.lower() for t in patch.trailers)
    return any(t.lname == tag for t in patch.trailers)


def _tags(ask: Ask, answered: int, old: Revision, new: Revision,
          pairs: Iterable[PatchPair]) -> Evidence | None:
    """Are the trailers the reviewer asked for (Fixes:, Cc: stable, ...) in
    the new patches (the answered patch's pair, or all for the cover)?"""
    olds = [p for p in old.patches if answered in (0, p.index)]
    wanted = [t for t in ask.tags if not any(_has_tag(p, t) for p in olds)]
    mates = {pair.new for pair in pairs if pair.old in {p.index for p in olds}}
    news = [p for p in new.patches if p.index in mates]
    if not wanted or not news:
        return None
    names = ", ".join("Cc: stable" if t == "cc" else t.title() for t in wanted)
    missing = [t for t in wanted if not all(_has_tag(p, t) for p in news)]
    if missing:
        return Evidence(EvidenceKind.TAG, f"{new.label} lacks the {names} asked for on "
                        f"{len(news)} patch(es)", against=True)
    return Evidence(EvidenceKind.TAG, f"{new.label} adds the {names} asked for")


# Where kernel code defines an option a user sets: a mount option (the new
# fs_parameter API or a match table), a module parameter, a sysctl, Kconfig.
_OPTION_DEF = re.compile(r"\b(fsparam_\w+|fs_param_\w+|module_param\w*|MODULE_PARM_DESC)\s*\("
                         r"|\bOpt_\w+|\.procname\s*=|^\s*config\s+[A-Z0-9_]+\s*$")


def _options_added(rev: Revision) -> list[str]:
    return [line[1:].strip() for p in rev.patches for f in p.files for h in f.hunks
            for line in h.lines if line.startswith("+") and _OPTION_DEF.search(line[1:])]


def _new_options(old: Revision, new: Revision) -> list[str]:
    """The option definitions `new` adds that `old` did not."""
    had = set(_options_added(old))
    return [line for line in _options_added(new) if line not in had]


def _option(ask: Ask, added: list[str], new: Revision) -> Evidence | None:
    """For a request to make the change optional: does the new revision
    define an option (a mount option, module parameter, sysctl or Kconfig
    entry; `added`, from _new_options) the old one did not?"""
    if not ask.option:
        return None
    if added:
        return Evidence(EvidenceKind.OPTION, f"{new.label} adds an option: {added[0]}")
    return Evidence(EvidenceKind.OPTION, f"{new.label} defines no new mount option, module "
                    "parameter, sysctl or Kconfig entry", against=True)


def _verdict(check: QuoteCheck, evidence: list[Evidence], ask: Ask, has_next: bool) -> Verdict:
    kinds = {e.kind for e in evidence}
    if not has_next:
        return (Verdict.ADDRESSED if EvidenceKind.DONE in kinds else
                Verdict.REJECTED if EvidenceKind.DECLINED in kinds else Verdict.UNKNOWN)
    against = any(e.against for e in evidence)
    shown = {e.kind for e in evidence if not e.against}
    said = {EvidenceKind.CHANGELOG, EvidenceKind.COMMIT_MESSAGE}
    if not against and shown & {EvidenceKind.DONE, EvidenceKind.SUGGESTED, EvidenceKind.TAG,
                                EvidenceKind.OPTION}:
        return Verdict.ADDRESSED
    if kinds & said or (not against and kinds & {EvidenceKind.ADOPTED, EvidenceKind.API_DROPPED}):
        return Verdict.ADDRESSED
    if against:
        return Verdict.OPEN
    if check.state is CodeState.CHANGED or (ask.split and check.split_into):
        return Verdict.ADDRESSED
    if EvidenceKind.DECLINED in kinds:
        return Verdict.REJECTED
    if check.state is CodeState.MOVED:
        return Verdict.ADDRESSED if ask.split else Verdict.OPEN
    if check.state is CodeState.REMOVED:
        return Verdict.ADDRESSED if ask.removal else Verdict.SUPERSEDED
    return {CodeState.REPLACED: Verdict.SUPERSEDED, CodeState.UNCHANGED: Verdict.OPEN}.get(
        check.state, Verdict.ADDRESSED if EvidenceKind.ACCEPTED in kinds else Verdict.UNCLEAR)


def review_requests(old: Revision, new: Revision | None, api: ApiDiff | None = None,
                    pairs: tuple[PatchPair, ...] | list[PatchPair] | None = None
                    ) -> list[Request]:
    """Every request human reviewers made on `old`, with its verdict in
    `new` (None: no later revision).  `api`: the API surface diff of the
    two; `pairs`: their patch pairing (computed when not given)."""
    talk = Discussion(old)
    before = Side.of(old)
    after = Side.of(new) if new is not None else None
    if new is not None and pairs is None:
        pairs = pair_patches(old.patches, new.patches)
    units: list[tuple[str, str]] = []
    options: list[str] = []
    topic = Topic(frozenset(), frozenset(), frozenset())
    if new is not None and after is not None:
        units = revision_changelog(old, new)
        options = _new_options(old, new)
        topic = Topic.of(before.messages, after.messages, before.cover)
    out: list[Request] = []
    for req in talk.requests():
        msg = req.reply.message
        to_reply = msg.parent_id not in (None, req.reply.answers)
        keys = quote_keys(req.comment.quoted)
        kind, file = classify(keys, before, to_reply)
        if to_reply and is_support(req.comment) and not talk.answers_author(req):
            continue  # agreeing with another reviewer: that request stands for both
        check = QuoteCheck(CodeState.NOT_CHECKABLE, 0, 0, "")
        ask = what_it_asks(req.comment.words)
        evidence: list[Evidence] = []
        place = talk.place(req, before) if kind is QuoteKind.REPLY else None
        if place is not None:
            file = classify(quote_keys(place.comment.quoted), before, True)[1]
        if new is not None and after is not None:
            at = place or req
            check = check_quote(quote_keys(at.comment.quoted), QuoteKind.DIFF if place else kind,
                                at.reply.patch_index, before, after, pairs or [],
                                trailing_trivial(at.comment.quoted))
            where = f"the code discussed in {place.reply.message.msgid}: " if place else ""
            if check.detail:
                evidence.append(Evidence(EvidenceKind.QUOTE,
                                         f"{check.state}: {where}{check.detail}"))
            evidence += _named(req, kind, new, before, after, units, topic, api)
            evidence += [e for e in (_suggestion(ask, before, after, new),
                                     _tags(ask, req.reply.patch_index, old, new, pairs or []),
                                     _option(ask, options, new))
                         if e is not None]
        evidence += talk.responses(req)
        out.append(Request(msg.sender, msg.msgid, req.reply.answers, req.reply.patch_index,
                           req.comment.quoted, kind, file, req.comment.words, check.state,
                           _verdict(check, evidence, ask, new is not None), tuple(evidence)))
    return out
