"""Review concerns: what the reviewers of one revision said, and whether a
later revision answered it.

A concern is one inline comment of a reply: the quoted lines it answers
(`> ` lines, any depth) and the reviewer's words below them.  Evidence from
the later revision (`Evidence.kind`): quote-changed / -partly / -unchanged
(the quoted diff or commit-message lines no longer, partly, still appear);
changelog (a sentence of the cover letter or of the notes below `---`, in
the sections for the versions in between, shares a C name, a 4-word phrase
or enough uncommon words); commit-message (a new sentence shares a C name
or a phrase); adopted (new code uses a C name the reviewer wrote);
api-dropped (an API change the comment quotes is gone, see apidiff).

Status: quoted code untouched and nothing said → open; quoted code
rewritten and talked about (or quoted wording rewritten), or a comment
without quoted code that is talked about → addressed; else → unclear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewer.compare.apidiff import ApiDiff
from reviewer.model import Address, Patch, Revision

__all__ = ["Comment", "Concern", "Evidence", "changelog_units", "inline_comments",
           "review_concerns"]

_QUOTE = re.compile(r"^ {0,2}>")
_QUOTE_PREFIX = re.compile(r"^ {0,2}((?:> ?)+)")
_ELISION = re.compile(r"^\s*(\[\s*(\.\.\.?|…|snip\w*)\s*\]|<\s*snip\w*\s*>|\.\.\.|…)\s*$", re.I)
_ATTRIBUTION = re.compile(r"(wrote|writes|撰写|写道)\s*(:|：|-+)?\s*$", re.I)
_TRAILER = re.compile(r"^\s*[A-Z][\w-]*-by:\s", re.I)
_CLOSING = re.compile(r"^(thanks|thank you|regards|best regards|cheers|br)\b[^a-z]*$", re.I)
_IDENT = re.compile(r"[A-Za-z_]\w*(?:->[A-Za-z_]\w*)*(\(\))?")
_IDENT_ANY = re.compile(r"\b\w*_\w*\b|\w+\(\)|->\w+")  # C names, kept out of prose words
_WORD = re.compile(r"[a-z][a-z']+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_DIFFSTAT = re.compile(r"^\s*(\S+\s+\|\s+(\d+|Bin)|\d+ files? changed)")
_SHORTLOG = re.compile(r"^\S.*\(\d+\):\s*$")
_SPAN = re.compile(r"\bv(\d+)\s*(?:-+>|→|\bto\b|\.\.)\s*v(\d+)", re.I)
_SINCE = re.compile(r"\b(?:since|from)\s+v(\d+)\b", re.I)
_IN = re.compile(r"^\s*(?:changes\s+(?:in|for)\s+)?v(\d+)\s*:?\s*$", re.I)
_BULLET = re.compile(r"^\s*[-*•]\s+")
_STOP = frozenset("""a about above after again all also an and any are as at be because been before
being below between both but by can could did do does doing done don't down during each few for
from further had has have having here how i if in into is it its itself just let me more most much
my no nor not now of off on once only or other our out over own same should so some such than that
the their them then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your one two yes yet may might must
need needs want wants like get gets got make makes made use used using way well think thing things
sure still even really please patch patches series code here's it's that's i'd i'm i'll we'd we'll
let's""".split())

_MAX_UNITS = 3  # changelog sentences kept as evidence per concern, best first
_TRIVIAL_LEN = 6  # shorter quoted lines ("}", "else") say nothing about the code
_NEAR = 12  # a quote is classified by the lines closest to the comment
_MIN_SHARE = 0.4  # of a changelog sentence's own words, for a words-only match


@dataclass(frozen=True)
class Evidence:
    kind: str  # quote-{changed,partly,unchanged}, changelog, commit-message, adopted, api-dropped
    detail: str


@dataclass(frozen=True)
class Concern:
    reviewer: Address
    msgid: str  # the reply
    answers: str  # the patch or cover letter the reply sits under
    patch: int  # 0 for the cover letter or the revision as a whole
    quoted: tuple[str, ...]  # the lines it answers, quote markers removed
    quote_kind: str  # diff, message, cover, reply (another mail) or none
    file: str | None  # for diff quotes
    words: str  # the reviewer's comment
    code: str  # changed, partly, unchanged, or n/a (nothing checkable quoted)
    status: str  # addressed, open or unclear
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Comment:
    """One inline comment of a reply: quoted lines (with their quote depth)
    and the words below them."""

    quoted: tuple[str, ...]
    depths: tuple[int, ...]
    words: str


def _norm(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(lines: list[str]) -> list[list[str]]:
    return [[ln for ln in p.splitlines() if ln.strip()]
            for p in re.split(r"\n\s*\n", "\n".join(lines)) if p.strip()]


def _clean_words(lines: list[str]) -> list[list[str]]:
    """Paragraphs of the reviewer's own words: no trailers, attribution,
    closing ("Thanks, Anika") or name-only sign-off."""
    lines = [ln for ln in lines if not _TRAILER.match(ln) and not _ATTRIBUTION.search(ln)]
    paras = _paragraphs(lines)
    for i, para in enumerate(paras):
        if _CLOSING.match(para[0].strip()):
            return paras[:i]
    last = " ".join(paras[-1]).split() if len(paras) > 1 else []
    if 0 < len(last) <= 3 and all(w[:1].isupper() or w[:1] == "-" for w in last):
        paras = paras[:-1]  # a name alone: "Lin", "-Dana", "Amir."
    return paras


def _blocks(lines: list[str]) -> list[tuple[list[tuple[int, str]], list[str]]]:
    """(quoted (depth, line) pairs, plain lines below them), in order.  Quote
    runs separated only by blank or `[...]` lines are one quote."""
    blocks: list[tuple[list[tuple[int, str]], list[str]]] = [([], [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        quoted, words = blocks[-1]
        said = any(w.strip() for w in words)
        if m := _QUOTE_PREFIX.match(line):
            if said:
                blocks.append(([], []))
            blocks[-1][0].append((m.group(1).count(">"), line[m.end():]))
        elif quoted and not said and (not line.strip() or _ELISION.match(line)):
            j = i
            while j < len(lines) and (not lines[j].strip() or _ELISION.match(lines[j])):
                j += 1
            if j < len(lines) and _QUOTE.match(lines[j]):
                i = j
                continue
            words.append(line)
        else:
            words.append(line)
        i += 1
    return blocks


def inline_comments(body: str) -> list[Comment]:
    """A reply's comments.  A last sentence ending in ':' just before a quote
    ("And this:") introduces the next comment."""
    blocks = _blocks(body.split("\n-- \n", 1)[0].splitlines())
    out: list[Comment] = []
    lead: list[str] = []
    for n, (quoted, words) in enumerate(blocks):
        paras = _clean_words(words)
        carry: list[str] = []
        if paras and n + 1 < len(blocks) and paras[-1][-1].rstrip().endswith(":"):
            *head, tail = re.split(r"(?<=[.!?])\s+", "\n".join(paras.pop()))
            carry = [tail]
            if head:
                paras.append([" ".join(head)])
        text = "\n\n".join("\n".join(p) for p in ([lead] if lead else []) + paras).strip()
        lead = carry
        kept = [(d, q) for d, q in quoted if not _ATTRIBUTION.search(q)]
        while kept and not kept[0][1].strip():
            kept.pop(0)
        while kept and not kept[-1][1].strip():
            kept.pop()
        if text and (kept or n == 0):
            out.append(Comment(tuple(q for _d, q in kept), tuple(d for d, _q in kept), text))
    return out


# --- the old revision's material, and where a quote comes from --------------

def _keys(quoted: Iterable[str]) -> list[tuple[str, str]]:
    """(marker, normalized text) of the quoted lines worth matching."""
    return [(q[0], _norm(q[1:])) if q[:1] in ("+", "-") else (" ", _norm(q))
            for q in quoted if len(_norm(q)) >= _TRIVIAL_LEN]


def _prose(key: tuple[str, str], text: str) -> bool:
    """A quoted line of prose found in `text` (a lone "negative" proves nothing)."""
    return len(key[1].split()) >= 3 and key[1] in text


def _message_text(patches: Iterable[Patch]) -> str:
    return _norm(" ".join(f"{p.title}\n{p.commit_message}" for p in patches))


def _idents(text: str) -> set[str]:
    """C-looking names: with an underscore, or written as `name()`."""
    out = set()
    for m in _IDENT.finditer(text):
        last = m.group(0).removesuffix("()").split("->")[-1]
        if "_" in last.strip("_") or m.group(1) or last.startswith("__"):
            out.add(last)
    return out


@dataclass(frozen=True)
class _Side:
    """What one revision offers to match quotes and words against."""

    diff: dict[tuple[str, str], str]  # (marker, normalized line) → file
    messages: str  # commit messages, whitespace-normalized
    cover: str
    added_idents: frozenset[str]
    all_idents: frozenset[str]

    @staticmethod
    def of(rev: Revision) -> _Side:
        diff: dict[tuple[str, str], str] = {}
        added: list[str] = []
        for patch in rev.patches:
            for change in patch.files:
                for line in (ln for h in change.hunks for ln in h.lines):
                    if line[:1] in ("+", "-", " ") and len(_norm(line[1:])) >= _TRIVIAL_LEN:
                        diff.setdefault((line[:1], _norm(line[1:])), change.path)
                    if line.startswith("+"):
                        added.append(line[1:])
        return _Side(diff, _message_text(rev.patches), _norm(rev.cover.body) if rev.cover else "",
                     frozenset(_idents("\n".join(added))),
                     frozenset(_idents("\n".join(p.diff for p in rev.patches))))


def _classify(keys: list[tuple[str, str]], old: _Side, to_reply: bool) -> tuple[str, str | None]:
    """Where the quoted lines closest to the comment come from."""
    near = keys[-_NEAR:]
    changes = [k for k in near if k[0] != " " and k in old.diff]
    context = [k for k in near if k in old.diff]
    prose = [k for k in near if _prose(k, old.messages)]
    if changes or (context and not prose):
        return "diff", old.diff[(changes or context)[0]]
    if prose:
        return "message", None
    if old.cover and any(_prose(k, old.cover) for k in near):
        return "cover", None
    return ("reply" if to_reply else "none"), None


def _quote_state(keys: list[tuple[str, str]], kind: str, old: _Side,
                 new: _Side) -> tuple[str, int, int]:
    """(changed | partly | unchanged | n/a, lines still there, lines checked).
    Diff quotes are checked by their +/- lines (context only if that is all
    they quote): an added line is still there if the new diff has it as
    added or context, a removed one if the new diff still removes it."""
    if kind == "diff":
        keys = [k for k in keys if k in old.diff]
        keys = [k for k in keys if k[0] != " "] or keys
        post = {t for (m, t) in new.diff if m != "-"}
        still = [k for k in keys if (k in new.diff if k[0] == "-" else k[1] in post)]
    elif kind == "message":
        keys = [k for k in keys if _prose(k, old.messages)]
        still = [k for k in keys if _prose(k, new.messages)]
    else:
        return "n/a", 0, 0
    if not keys:
        return "n/a", 0, 0
    state = "unchanged" if len(still) == len(keys) else "changed" if not still else "partly"
    return state, len(still), len(keys)


# --- words ---------------------------------------------------------------------

def _stem(word: str) -> str:
    word = word.removesuffix("'s").removesuffix("'")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 \
                and not word.endswith(("ss", "fs")):
            word = word[: -len(suffix)]
            if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsfz":
                word = word[:-1]  # dropped → drop
            break
    return word


def _content(text: str) -> set[str]:
    prose = _IDENT_ANY.sub(" ", text).lower()
    return {_stem(w) for w in _WORD.findall(prose) if len(w) >= 3 and w not in _STOP}


def _grams(text: str) -> set[str]:
    words = _WORD.findall(_IDENT_ANY.sub(" ", text).lower())
    return {" ".join(words[i:i + 4]) for i in range(len(words) - 3)
            if not all(w in _STOP for w in words[i:i + 4])}


@dataclass(frozen=True)
class _Topic:
    """The series' everyday vocabulary (in both revisions' commit messages),
    which says nothing about one concern in particular."""

    words: frozenset[str]
    idents: frozenset[str]
    grams: frozenset[str]  # phrases the old revision already had


def _match(words: str, extra: set[str], unit: str, topic: _Topic,
           loose: bool) -> tuple[int, list[str]]:
    """(score, what `unit` shares with the concern); score 0 when too little.
    `extra`: C names of the quoted change, which a changelog may name instead
    of repeating the reviewer's words.  `loose`: shared words alone count."""
    idents = ((_idents(words) | extra) & _idents(unit)) - topic.idents
    grams = (_grams(words) & _grams(unit)) - topic.grams
    own = _content(unit) - topic.words
    shared = _content(words) & own
    by_words = loose and len(shared) >= 2 and len(shared) >= _MIN_SHARE * len(own)
    if not idents and not grams and not by_words:
        return 0, []
    found = sorted(idents) + [f'"{g}"' for g in sorted(grams)[:2]] + sorted(shared)
    return 3 * len(idents) + 2 * len(grams) + len(shared), found


# --- the new revision's changelog ----------------------------------------------

def _relevant(head: str, old: int, new: int) -> bool | None:
    """Does a changelog heading cover versions after `old` up to `new`?
    None when the line is no heading."""
    if len(head) > 60:
        return None
    if m := _SPAN.search(head):
        return old <= int(m.group(1)) and int(m.group(2)) <= new
    if m := _SINCE.search(head):
        return int(m.group(1)) >= old
    if m := _IN.match(head):
        return old < int(m.group(1)) <= new
    return None


def changelog_units(text: str, old: int, new: int) -> list[str]:
    """Bullet items and sentences of a cover letter or of the notes below
    `---`, in the sections that describe versions after `old` up to `new`
    (text under no version heading counts); diffstat and shortlog left out."""
    units: list[str] = []
    keep, bullet, shortlog = True, False, False
    for line in text.splitlines():
        heading = _relevant(line.strip(), old, new) if line.strip() else None
        shortlog = bool(_SHORTLOG.match(line)) or (shortlog and line.startswith(" "))
        if heading is not None:
            keep, bullet = heading, False
        elif not keep or shortlog or _DIFFSTAT.match(line) or not line.strip():
            bullet = False
            units.append("")
        elif _BULLET.match(line):
            units.append(_BULLET.sub("", line).strip())
            bullet = True
        elif units and units[-1] and (bullet or not line.startswith(" ")):
            units[-1] += " " + line.strip()
        else:
            units.append(line.strip())
    return [s.strip() for u in units for s in _SENTENCE.split(u) if s.strip()]


def _new_sentences(old: Revision, new: Revision) -> list[str]:
    before = _message_text(old.patches)
    out: list[str] = []
    for patch in new.patches:
        text = "\n".join(ln for ln in patch.commit_message.splitlines() if not _TRAILER.match(ln))
        out += [s for s in re.split(r"(?<=[.!?])\s+", _norm(text)) if s and s not in before]
    return out


# --- putting it together ---------------------------------------------------------

def _status(kind: str, code: str, answered: bool) -> str:
    if code == "unchanged":
        return "unclear" if answered else "open"
    if code == "changed" and kind == "message":
        return "addressed"  # the quoted wording itself was rewritten
    return "addressed" if answered else "unclear"


def _short(text: str, width: int = 160) -> str:
    text = _norm(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _evidence(comment: Comment, kind: str, new: Revision, before: _Side, after: _Side,
              units: list[tuple[str, str]], topic: _Topic, api: ApiDiff | None) -> list[Evidence]:
    """Everything but the quote state: changelog, commit message, adopted, API."""
    # What the reviewer answers directly, just above the words.
    direct = "\n".join([q for q, d in zip(comment.quoted, comment.depths, strict=True)
                        if d == 1][-_NEAR:])
    # A quote of another mail is part of what the reviewer is talking about.
    words = comment.words + ("\n" + direct if kind == "reply" else "")
    changed_lines = "\n".join(q[1:] for q in comment.quoted if q[:1] in ("+", "-"))
    extra = _idents(changed_lines) if kind == "diff" else set()
    scored = sorted(((*_match(words, extra, unit, topic, source == "changelog"), source, unit)
                     for source, unit in units), key=lambda m: -m[0])
    out = [Evidence(source, f"{_short(unit)} [{', '.join(shared)}]")
           for score, shared, source, unit in scored[:_MAX_UNITS] if score]
    # Only names with an underscore: `dput()` is everywhere, `d_lock` is a choice.
    adopted = {n for n in _idents(comment.words) & after.added_idents
               if "_" in n} - before.all_idents
    if adopted:
        out.append(Evidence("adopted", f"{new.label} adds code using "
                            f"{', '.join(sorted(adopted))}"))
    if api is not None:
        named = _idents(direct + "\n" + changed_lines)
        gone = sorted({c.name for c in api.dropped if c.name in named})
        if gone:
            out.append(Evidence("api-dropped", f"{new.label} no longer changes "
                                f"{', '.join(gone)} (API surface)"))
    return out


def review_concerns(old: Revision, new: Revision, api: ApiDiff | None = None) -> list[Concern]:
    """Every inline comment of the replies to `old` (the author's own replies
    left out), with what `new` did about it.  `api`: the API surface diff
    of the two, for the api-dropped evidence."""
    before, after = _Side.of(old), _Side.of(new)
    olds, news = before.messages, after.messages
    topic = _Topic(frozenset(_content(olds) & _content(news)),
                   frozenset(_idents(olds) & _idents(news)),
                   frozenset(_grams(olds + " " + before.cover)))
    mails = ([new.cover.body] if new.cover else []) + [p.notes for p in new.patches]
    units = [("changelog", u) for text in mails
             for u in changelog_units(text, old.version, new.version)]
    units += [("commit-message", s) for s in _new_sentences(old, new)]
    units = list(dict.fromkeys(units))  # the same "Pass 0" sentence in seven patches
    authors = {p.author.email.lower() for p in old.patches} | {old.sender.email.lower()}
    out: list[Concern] = []
    for reply in old.replies:
        if reply.message.sender.email.lower() in authors:
            continue  # the author answering, not a reviewer asking
        to_reply = reply.message.parent_id not in (None, reply.answers)
        for comment in inline_comments(reply.message.body):
            keys = _keys(comment.quoted)
            kind, file = _classify(keys, before, to_reply)
            code, still, checked = _quote_state(keys, kind, before, after)
            evidence: list[Evidence] = []
            if code != "n/a":
                what = "diff lines" if kind == "diff" else "lines of commit message"
                evidence.append(Evidence(f"quote-{code}", f"{still} of {checked} quoted {what} "
                                         f"still in {new.label}"))
            said = _evidence(comment, kind, new, before, after, units, topic, api)
            out.append(Concern(reply.message.sender, reply.message.msgid, reply.answers,
                               reply.patch_index, comment.quoted, kind, file, comment.words,
                               code, _status(kind, code, bool(said)), tuple(evidence + said)))
    return out
