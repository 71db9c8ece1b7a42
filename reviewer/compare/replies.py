"""Who wrote a reply and what each of its comments does.

A comment by a human reviewer is a **request** when its words ask for a
change: an imperative or a suggestion ("please", "should", "how about",
"I'd rather", "why not"), or a flaw named in the code ("is wrong", "leaks",
"is unnecessary", "missing").  Pure acks ("Looks good", "Applied"), pings
and questions that ask for nothing ("Does this mean ...?") are not, nor is
a reviewer agreeing with another's request ("Yeah, ..."): that supports the
request it quotes.  Bots (build robots, syzbot) report, they do not
request: reviewer.compare.bots lists them apart.

A reply that quotes a request can settle it: the author (or anyone but the
requester) **accepts** ("Ok, I'll fix that"), **declines** with a reason
("It's a common pattern here"), or says it was **done** without a new
revision ("I've deleted it while applying").
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from reviewer.compare.comments import Comment
from reviewer.compare.wording import content_words, idents, norm
from reviewer.mail.people import full_name
from reviewer.model import Address, Message, Revision

__all__ = ["Ask", "Response", "authors", "continues", "explicit", "is_bot", "is_support",
           "requests_in", "response_to", "same_person", "what_it_asks"]

_BOT = re.compile(r"(\brobot\b|\bbot\b|syzbot|syzkaller|\blkp@|noreply|no-reply|-bot@|\bci@"
                  r"|[-._]ci@)", re.I)

_VIA = re.compile(r"\svia\s", re.I)  # "Name via List": a list rewrote the From:
# Words that ask for a change, or name a flaw the reviewer wants gone.
_ASK = re.compile("|".join([
    r"\bplease\b(?! (ignore|disregard))",
    r"\bshould(n'?t| not)? (be|use|do|go|have|check|return|call|pass|handle|also|probably"
    r"|rather|really|just|not|never|always|only|stay|get|keep|live|move)\b",
    r"\b(must|mustn'?t)\b", r"\b(you|we)( really| probably| also| still)? should\b",
    r"\b(we|you|it|this|that)( really| still| clearly| probably| also| definitely| just|'ll| will"
    r"| would)? (need|needs|have|has) to\b",
    r"\b(we|you|this) (really )?(need|needs)\b", r"\bis needed\b",
    r"\b(would|will|may|might|could|it'?d)( also| still| much| even)? be (needed|better|nicer"
    r"|cleaner|good|nice"
    r"|preferable|simpler|clearer|safer|great|useful|worth)\b",
    r"\bbetter (off|to|if)\b", r"\bwould make sense\b",
    r"\b(i'?d|i would|we'?d|we would) (rather|prefer|suggest|recommend|keep|like to see|go"
    r"|leave|use|move|drop|split|do|add|put|expect|want|consider|restructure|rewrite|rename"
    r"|make|just|probably|personally)\b",
    r"\b(i|we) (suggest|prefer|recommend)\b",
    r"\b(how|what) about\b", r"\bwhy not\b", r"\bany reason not to\b",
    r"\bis there a reason\b", r"\bi wonder if\b",
    r"\b(can|could|would) (you|we)\b(?! (please )?(take a look|apply|pick|merge|queue))",
    r"\b(you|we) (can|could|might|may) (just |simply |also )?(drop|remove|use|get rid|move"
    r"|keep|avoid|fold|merge|split|rename|pass|call|skip)\b",
    r"\b(maybe|perhaps),? (we|you|just|move|use|add|drop|keep|rename|split|put|make|call|do"
    r"|initiali[sz]e|check)\b", r"\bmaybe:", r"\b(maybe|perhaps),? [A-Za-z]*_\w+",
    r"\bbelongs? (in|into|to|with)\b",
    r"\binstead\b", r"\brather than\b",
    r"\b(can|could|should) be (dropped|removed|simplified|moved|merged|split|renamed|static"
    r"|const|avoided|initiali[sz]ed|done)\b",
    r"\b(is|are|looks|seems|sounds) (\w+ )?(unnecessary|not needed|superfluous|superflous"
    r"|redundant|wrong|broken|incorrect|misleading|confusing|inaccurate|not accurate|bogus"
    r"|weird|odd|strange|racy|buggy|inconsistent|unrelated|not right|a problem|dead"
    r"|unused)\b",
    r"(^|[.!?]\s+)(not|no) needed\b", r"\bunneeded\b",
    # "..., just drop this line" (not "we just call it here")
    r"(^|[,;:.!?]\s*|\b(and|then|please|can|could|should|to)\s+)(just|simply) (drop|remove"
    r"|delete|use|move|add|keep|make|call|return|rename|put|pass|check)\b",
    r"\bi (don'?t|do not) like\b", r"\b(not a|a bad) (good )?idea\b",
    # "Why do we need X?", "why isn't X static?": asking why at all, or why not
    r"\bwhy (is|are|does|do)\b[^.?!]{0,60}\b(need|needed|necessary)\b[^.?!]{0,60}\?",
    r"\bwhy (isn'?t|aren'?t|don'?t)\b",
    r"\bno need (to|for)\b", r"\bthere'?s no need\b", r"\bdon'?t (even )?need\b",
    r"\bdo we (really |even )?need\b", r"\bi don'?t think\b",
    r"\b(is|are|still) missing\b", r"\bmissing (a|an|the|some)\b", r"\b(typo|nit|nits)\b",
    r"\bdon'?t understand\b", r"\bnot clear\b",
    r"\b(isn'?t|won'?t|doesn'?t|wouldn'?t|shouldn'?t) (this|that|it)\b",
    r"\b(leaks?|negated|broken|wrong|confusing|misleading)\b",
    r"\bwhat does .{1,40} mean\b", r"\bwould (break|leak|deadlock|crash)\b",
    r"(^|[.!?:]\s+)(add|drop|remove|rename|split|move|use|keep|fix|put|make|change|document"
    r"|explain|mention|update|avoid|send|convert|call|needs)\s",
]), re.I)
# An ask in so many words: what a reviewer arguing for an earlier request
# must say for a new one.
_EXPLICIT = re.compile(r"\bplease\b(?! (ignore|disregard))|\b(can|could|would) (you|we)\b"
                       r"|\b(how|what) about\b|\byou (don'?t|do not) (have|need) to\b"
                       r"|\b(i|we)'?d? (suggest|prefer)\b"
                       r"|(^|[.!?:]\s+)(add|drop|remove|rename|split|move|use|keep|fix|put|make"
                       r"|change|document|explain|mention|update|avoid|convert|call)\s", re.I)
# Not a change to the patch: a nudge to the maintainer.
_PING = re.compile(r"\b(ping|pinging|picked up|any chance|any (update|news))\b|^applied\b",
                   re.I)
# A flaw denied ("This is not wrong", "nothing broken") names none.
_NEGATED = re.compile(r"(\bnot|\bnothing|\bnever|n't)\s+(\w+\s+)?(wrong|broken|incorrect|buggy"
                      r"|racy|bogus|a problem|an issue|a bad idea)\b", re.I)
# A question asking the others' opinion ("Do we feel this should go to
# stable?") asks the author for no change.
_OPINION = re.compile(r"(^|(?<=[.!?]\s))(do|does) (we|anyone|everyone|people|folks) (feel|think"
                      r"|believe|reckon|agree|know)\b[^?]*\?", re.I)
# Paragraphs that ask nothing of the author: the writer does it ("I'll
# delete the line"), introduces a trailer ("you can add:"), waives a resend,
# or is an aside in parentheses.
_NO_ASK = re.compile(r"\bi'?ll (delete|drop|remove|fix|fold|squash|change|apply|take|queue"
                     r"|do)\b|\b(add|include):$|\bno need to (repost|resend|respin|send)"
                     r"|^\(.*\)$"
                     # asks of the maintainer, and for a new revision as such
                     r"|\b(could|can|would) you (please )?(apply|queue|pick up|merge)\b"
                     r"|\bplease (apply|queue|pick up|merge) (this|these|it|the)\b"
                     r"|\b(resubmit|resend|repost|respin|send)\b[^.?!]{0,30}\b(reflecting"
                     r"|addressing|incorporating|with) (the|these|my|those|all)( following"
                     r"| above)? (comments|feedback|suggestions|changes)", re.I)
_NOT_SAYING = re.compile(r"\bi'?m not saying\b[^.!?]*[.!?]?", re.I)
# A paragraph that opens a new point rather than going on with the last one.
_NEW_POINT = re.compile(r"^(\d+[.)]|[-*•]|also\b|and also\b|another\b|secondly\b|besides\b"
                        r"|in addition\b|separately\b|plus\b|btw\b|by the way\b)", re.I)
_PARAGRAPH = re.compile(r"\n\s*\n")
_REASON_FOR = re.compile(r"^(since|because|as|that'?s because|the reason)\b", re.I)
_CONCLUDES = re.compile(r"^(so|therefore|thus|hence|that'?s why)\b", re.I)
_POLITE = re.compile(r"\bplease\b|\b(can|could|would) you\b", re.I)
_C_FILLER = re.compile(r"^(\}?\s*else\s*\{?|do\s*\{?|\.{3}|…|[{}()\[\];,]+)$")

_REMOVAL = re.compile(r"\b(unnecessary|not needed|no need|don'?t (even )?need"
                      r"|do we (really |even )?need|superfluous|superflous|redundant|drop|remove"
                      r"|delete|get rid of"
                      r"|can go|useless|dead|pointless)\b", re.I)
_SPLIT = re.compile(r"\b(split|separate patch|own patch|prep patch|extra patch|two patches"
                    r"|separate commit)", re.I)
# A trailer asked for: "a Fixes: tag", "Fixes & Cc:stable tag", "Cc stable", "missing
# Signed-off-by" (a -by trailer only next to a word that asks for it).
_TAGS = {
    "fixes": re.compile(r"\bfixes:|\bfixes\b[^.?!]{0,20}\b(tags?|lines?|trailers?)\b", re.I),
    "cc": re.compile(r"\bcc:? ?stable\b|\bstable@", re.I),
    **{name: re.compile(rf"\b(add|adding|missing|need|needs|want|include|forgot|no)\b"
                        rf"[^.?!]{{0,40}}?\b{name}\b", re.I)
       for name in ("signed-off-by", "reported-by", "suggested-by", "co-developed-by")},
}
# Asking for the behaviour to be optional, which the code shows as a new
# mount option, module parameter, sysctl or Kconfig entry.
_OPTION = re.compile(r"\b(should|must|needs? to|has to|could|would)\s+be\s+(an?\s+)?"
                     r"(opt[- ]?in|optional|configurable)\b"
                     r"|\bmake\s+(it|this|that)\s+(an?\s+)?(opt[- ]?in|optional|configurable)\b"
                     r"|\b(add|need|want|use|with|behind|under)\s+an?\s+(new\s+)?(mount|module)"
                     r"\s+(option|param(eter)?)\b", re.I)
_QUOTED_TEXT = re.compile(r'"([^"\n]{10,})"')
_PROSE_WORD = re.compile(r"(?<![\w>.-])[a-z]{3,}(?![\w(-])")
_SUPPORT = re.compile(r"^(thanks for the (idea|suggestion|pointer)\W+)?(yes|yeah|yep|agreed"
                      r"|agree|right|indeed|exactly|\+1|or\b|same here|good (point|catch))", re.I)

_ACCEPT = re.compile(r"^(\W*(ok|okay|sure|yes|yeah|yep|agreed|right|indeed|will do|done|fixed"
                     r"|good (point|catch|idea)|makes sense|fair enough|<?nod>?|oops|sorry"
                     r"|fine (to|with|by) me"
                     r"|you'?re right|true|thanks|hmm,? yeah)\b)"
                     r"|\b(i'?ll|i will|will) (fix|change|do|make|update|add|remove|drop|rename"
                     r"|split|send|clean|upgrade|look|address|move|use)\b", re.I)
_DECLINE = re.compile("|".join([
    r"^\W*(no\b|nope|i disagree|i don'?t (think|agree)|don'?t think|i'?m not sure|not sure)",
    r"\b(agree|makes sense|fair point|good point|true|valid point)\b[^.?!]{0,120}\bbut\b",
    r"\bbut on the other hand\b", r"\bon purpose\b", r"\bintentional(ly)?\b",
    r"\bdeliberate(ly)?\b", r"\b(common|usual|standard|existing) (pattern|practice|convention"
    r"|idiom)\b", r"\bi'?d (rather|prefer to) (keep|not|leave)\b", r"\bprefer to keep\b",
    r"\b(keep|leave) it (as is|as it is|this way|like this)\b", r"\bwould require another\b",
    r"\b(fine|ok|okay|enough) to (just )?(leave|keep)\b",
    r"\ba separate (patch )?series\b", r"\bout of scope\b",
    r"\brequire (a different|another) (solution|approach)\b",
    r"\b(current|existing) (\w+ )?is (fine|ok|okay|good enough)\b",
]), re.I)
_DONE = re.compile(r"\b(i'?ve|i have|i) (just )?(deleted|removed|dropped|fixed|changed|renamed"
                   r"|updated|folded|squashed|amended) (it|that|this|the)\b"
                   r"|\bfixed (it )?up (while|when|on) (applying|commit)"
                   r"|\b(while|when) applying\b", re.I)
_REASON = re.compile(r"\b(because|since|as|so|it'?s|is|are|will|would|won'?t|can'?t|cannot"
                     r"|doesn'?t|the reason)\b", re.I)


class Response(enum.Enum):
    ACCEPT = "accept"
    DECLINE = "decline"
    DONE = "done"


def is_bot(msg: Message) -> bool:
    """A build robot, syzbot or CI service, by its sender."""
    return bool(_BOT.search(f"{msg.sender.name} {msg.sender.email}"))


def same_person(a: Address, b: Address) -> bool:
    """The same person by address or by full name (people change employers).
    A list that rewrites every From: to its own address ("Name via List
    <list@...>", for DMARC) leaves the name as the only evidence."""
    name_a, name_b = full_name(a.name), full_name(b.name)
    if a.email.lower() == b.email.lower() and not (_VIA.search(a.name) or _VIA.search(b.name)):
        return True
    return name_a is not None and name_a == name_b


def authors(rev: Revision) -> tuple[Address, ...]:
    return tuple({p.author for p in rev.patches} | {rev.sender})


def _asks(para: str, quoted: bool) -> bool:
    """A paragraph asks when its words do, or when it is code written under
    a quote (a suggested replacement)."""
    text = _OPINION.sub(" ", _NEGATED.sub(" ", _NOT_SAYING.sub(" ", norm(para))))
    if _NO_ASK.search(text) or text.endswith(("-", ":")):  # "below 2 requests -": the next ones
        return False
    return bool(_ASK.search(text)) or (quoted and _is_code(para))


def _is_code(para: str) -> bool:
    """Code, give or take its comments, lone braces, `else` and elisions."""
    lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
    rest = [ln for ln in lines if not _code(ln)]
    return len(rest) < len(lines) and all(ln.startswith(("/*", "*", "//", "{", "}"))
                                          or _C_FILLER.match(ln) for ln in rest)


def _gives_reason(para: str) -> bool:
    """A paragraph saying why the ask before it ("Since there is no need
    for ..."), not asking anything more of its own."""
    return bool(_REASON_FOR.match(para)) and not _POLITE.search(para)


def _same_point(para: str, asked: str) -> bool:
    """Does an asking paragraph go on with the point of the one before?
    Not when it opens a new one ("Also, ...", "2. ..."); yes when the two
    share a C name or an uncommon word."""
    if _NEW_POINT.match(para):
        return False
    return bool(idents(para) & idents(asked) or content_words(para) & content_words(asked))


def _diff_lines(para: str) -> bool:
    """Lines of a diff the reviewer writes: each starts with + or -."""
    lines = [ln for ln in para.splitlines() if ln.strip()]
    return bool(lines) and all(ln[:1] in "+-" and not ln.startswith(("+++", "---"))
                               for ln in lines) and any(_code(ln[1:]) for ln in lines)


def continues(words: str, previous: str, quoted: tuple[str, ...]) -> bool:
    """Does a request cut from one comment go on with the request the
    comment before it made (in the same reply)?  Yes for the next lines of
    a diff the reviewer writes across quotes, and for words on the same
    point under a quote of no changed line (reading on, not a new place)."""
    first = words.split("\n\n", 1)[0]
    if _diff_lines(first) and _diff_lines(previous.rsplit("\n\n", 1)[-1]):
        return True
    changed = any(q[:1] in ("+", "-") and len(norm(q[1:])) >= 6 for q in quoted)
    return not changed and not _NEW_POINT.match(first) and _same_point(first, previous)


def requests_in(comment: Comment) -> list[str]:
    """The comment's words cut into requests, one per point (none for acks,
    pings and questions that ask nothing): a paragraph that asks for
    something, with the paragraphs before it that ask nothing (their
    context); an asking paragraph on the same point joins the one before,
    and paragraphs after the last ask belong to it.  An ask that introduces
    what follows ("I'd do it like this:") is one when nothing after it is."""
    words = norm(comment.words)
    if _PING.search(words):
        return []
    out: list[str] = []
    asked = ""  # the asking paragraphs of the last request
    pending: list[str] = []
    introduced = False  # a paragraph of `pending` asked, for what follows it
    for para in (p.strip() for p in _PARAGRAPH.split(comment.words) if p.strip()):
        pending.append(para)
        if not _asks(para, bool(comment.quoted)):
            introduced |= _introduces(para)
            continue
        if out and not pending[:-1] and (_is_code(para) or _same_point(para, asked)
                                         or _gives_reason(para) or _CONCLUDES.match(para)):
            out[-1] += "\n\n" + para
            asked += "\n" + para
        else:
            out.append("\n\n".join(pending))
            asked = para
        pending, introduced = [], False
    if pending and introduced:
        out.append("\n\n".join(pending))
    elif out and pending:
        out[-1] += "\n\n" + "\n\n".join(pending)
    return out


def _introduces(para: str) -> bool:
    """An ask ending in ':' or '-': it introduces what follows."""
    text = norm(para)
    return text.endswith((":", "-")) and bool(_ASK.search(text)) and not _NO_ASK.search(text)


@dataclass(frozen=True)
class Ask:
    """What a request asks for, as far as the verdict needs to know."""

    removal: bool  # take the quoted code out ("no need for ...")
    split: bool  # move part of the patch into a patch of its own
    code: tuple[str, ...]  # code lines or quoted text the reviewer suggested
    tags: tuple[str, ...] = ()  # trailers to add, lower case ("cc": a Cc: to stable)
    option: bool = False  # make the behaviour optional: opt-in, a mount option, a knob


def _code(line: str) -> bool:
    text = line.strip()
    if text.endswith(":") and " " in text and not text.startswith("case "):
        return False  # prose introducing code ("with &x->lock:")
    return (len(text) >= 10 and "://" not in text and len(_PROSE_WORD.findall(text)) <= 3
            and (text.endswith(";") or "->" in text or "<<" in text or ">>" in text
                 or text.startswith("#") or ("(" in text and ")" in text)))


def _suggested(words: str) -> list[str]:
    """Lines of the words that are code, and text in double quotes.  Of a
    diff the reviewer wrote, the lines it adds (its `-` lines are not
    meant to stay)."""
    code = [line for line in words.splitlines() if _code(line) and not line.startswith("-")]
    return _QUOTED_TEXT.findall(words) + [norm(line.removeprefix("+")) for line in code]


def what_it_asks(words: str) -> Ask:
    flat = norm(words)
    return Ask(bool(_REMOVAL.search(flat)), bool(_SPLIT.search(flat)), tuple(_suggested(words)),
               tuple(name for name, pattern in _TAGS.items() if pattern.search(flat)),
               bool(_OPTION.search(flat)))


def explicit(words: str) -> bool:
    """Words asking in so many words ("please", "could you", an imperative)."""
    return bool(_EXPLICIT.search(_NOT_SAYING.sub(" ", norm(words))))


def is_support(comment: Comment) -> bool:
    """A reviewer agreeing with (or adding an alternative to) another
    reviewer's comment that they quote: "Yeah, ...", "Or ..."."""
    return bool(_SUPPORT.match(norm(comment.words)))


def response_to(comment: Comment) -> Response | None:
    """What a reply's comment says about the request it quotes."""
    words = norm(comment.words)
    if _DONE.search(words):
        return Response.DONE
    if _DECLINE.search(words) and _REASON.search(words) and len(words.split()) >= 6:
        return Response.DECLINE
    if _ACCEPT.search(words):
        return Response.ACCEPT
    return None
