"""Where a comment's quote comes from (the diff, the commit message, the
cover letter, another mail) and what the later revision did to it.

A diff quote is located in the patch the reply answers (or the patch that
has most of its lines).  Its state in the later revision:

- **unchanged**: every quoted `+`/`-` line is still there (an added line as
  added or context, a removed line still removed) and the interdiff of the
  paired patches changes nothing between them;
- **changed**: some quoted lines changed, or lines were inserted between
  them, while most of the code around them (the rest of the hunk) stayed;
- **removed**: most quoted lines were deleted with nothing in their place,
  while the code around them stayed;
- **replaced**: the quoted lines are gone and so is most of the code around
  them (or the whole patch): the code was rewritten or removed wholesale;
- **moved**: unchanged, but now in another patch than the pair (when that
  patch changed them, their state there counts).

When the old patch has no pair, the new patch holding most of the quoted
lines stands in for it.

A commit-message quote is unchanged when its sentences are all still in
the new commit messages, else changed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reviewer.compare.changelog import message_text
from reviewer.compare.comments import TRAILER
from reviewer.compare.interdiff import LineFates, line_fates, patch_lines
from reviewer.compare.pairing import PatchPair
from reviewer.compare.wording import idents, norm, short
from reviewer.model import CodeState, Patch, QuoteKind, Revision

__all__ = ["QuoteCheck", "Side", "check_quote", "classify", "quote_keys", "trailing_trivial"]

_TRIVIAL_LEN = 6  # shorter quoted lines ("}", "else") say nothing about the code
_NEAR = 12  # a quote is classified by the lines closest to the comment
_SURVIVES = 0.5  # share of the code around a quote that must stay for "changed"
_SPLIT_MIN = 3  # changed lines of the old patch another new patch must hold: a split

Key = tuple[str, str]  # (marker, whitespace-normalized text)


def quote_keys(quoted: Iterable[str]) -> list[Key]:
    """(marker, normalized text) of the quoted lines worth matching."""
    return [(q[0], norm(q[1:])) if q[:1] in ("+", "-") else (" ", norm(q))
            for q in quoted if len(norm(q)) >= _TRIVIAL_LEN]


def trailing_trivial(quoted: Iterable[str]) -> int:
    """How many short diff lines ("+ *", "+}") the quote ends with, after
    its last line worth matching: they are part of the quoted place (a
    comment asked for under "+ *" goes right there)."""
    n = 0
    for q in reversed(list(quoted)):
        if len(norm(q)) >= _TRIVIAL_LEN or q[:1] not in ("+", "-", " "):
            break
        n += 1
    return n


def _key(line: str) -> Key:
    return (line[0], norm(line[1:])) if line[:1] in ("+", "-", " ") else ("", line)


def _prose(key: Key, text: str) -> bool:
    """A quoted line of prose found in `text` (a lone "negative" proves nothing)."""
    return len(key[1].split()) >= 3 and key[1] in text


@dataclass(frozen=True)
class Side:
    """What one revision offers to match quotes and words against."""

    revision: Revision
    diff: dict[Key, frozenset[str]]  # (marker, normalized line) → the files with it
    messages: str  # titles and commit messages, whitespace-normalized
    cover: str
    changed_idents: frozenset[str]  # C names on added or removed lines
    all_idents: frozenset[str]
    text: str  # the code after the patches (added and context lines) and the messages

    @staticmethod
    def of(rev: Revision) -> Side:
        diff: dict[Key, set[str]] = {}
        added: list[str] = []  # and removed
        for patch in rev.patches:
            for change in patch.files:
                for line in (ln for h in change.hunks for ln in h.lines):
                    if line[:1] in ("+", "-", " ") and len(norm(line[1:])) >= _TRIVIAL_LEN:
                        diff.setdefault(_key(line), set()).add(change.path)
                    if line[:1] in ("+", "-"):
                        added.append(line[1:])
        messages = message_text(rev.patches)
        code = "\n".join(t for (m, t) in diff if m != "-")
        return Side(rev, {k: frozenset(v) for k, v in diff.items()}, messages,
                    norm(rev.cover.body) if rev.cover else "",
                    frozenset(idents("\n".join(added))),
                    frozenset(idents("\n".join(p.diff for p in rev.patches))),
                    code + "\n" + messages)

    def still_has(self, key: Key, file: str | None = None) -> bool:
        """An added or context line is still in the code (of `file`); a
        removed line is still removed."""
        keys = [key] if key[0] == "-" else [("+", key[1]), (" ", key[1])]
        return any(k in self.diff and (file is None or file in self.diff[k]) for k in keys)


def classify(keys: list[Key], old: Side, to_reply: bool) -> tuple[QuoteKind, str | None]:
    """Where the quoted lines closest to the comment come from."""
    near = keys[-_NEAR:]
    changes = [k for k in near if k[0] != " " and k in old.diff]
    context = [k for k in near if k in old.diff]
    prose = [k for k in near if _prose(k, old.messages)]
    if changes or (context and not prose):
        return QuoteKind.DIFF, min(old.diff[(changes or context)[0]])
    if prose:
        return QuoteKind.MESSAGE, None
    if old.cover and any(_prose(k, old.cover) for k in near):
        return QuoteKind.COVER, None
    return (QuoteKind.REPLY if to_reply else QuoteKind.NONE), None


@dataclass(frozen=True)
class QuoteCheck:
    state: CodeState
    still: int  # quoted lines still there
    checked: int  # quoted lines looked for
    detail: str
    split_into: tuple[int, ...] = ()  # other new patches that took lines of the quoted patch


@functools.lru_cache(maxsize=256)
def _keys_of(patch: Patch) -> frozenset[Key]:
    return frozenset(_key(line) for line in patch_lines(patch))


def _home(keys: list[Key], patches: tuple[Patch, ...], answered: int) -> Patch | None:
    """The patch a diff quote comes from: the one answered, if it has the
    lines, else the one that has most of them."""
    def count(p: Patch) -> int:
        have = _keys_of(p)
        return sum(k in have for k in keys)

    scored = sorted(((count(p), p.index == answered, p) for p in patches),
                    key=lambda s: (s[0], s[1]), reverse=True)
    return scored[0][2] if scored and scored[0][0] else None


def _locate(keys: list[Key], lines: list[str]) -> range | None:
    """The stretch of `lines` the quote was cut from: the occurrence of its
    last line with most of the other quoted lines just above it (a quoted
    `return ret;` is in the patch many times)."""
    wanted = set(keys)
    last = next((k for k in reversed(keys) if any(_key(ln) == k for ln in lines)), None)
    width = 2 * len(keys) + 4
    best: list[int] = []
    for end in (i for i, ln in enumerate(lines) if _key(ln) == last):
        found = [i for i in range(max(0, end - width), end + 1) if _key(lines[i]) in wanted]
        if len(found) > len(best):
            best = found
    return range(best[0], best[-1] + 1) if best else None


def _around(lines: list[str], span: range) -> list[int]:
    """The changed lines near `span` in its hunk (as many above and below
    as the quote is long, at least `_NEAR`), outside the span."""
    reach = max(_NEAR, len(span))
    start, end = span.start, span.stop
    while start > max(0, span.start - reach) and not lines[start - 1].startswith(("@@", "diff ")):
        start -= 1
    while end < min(len(lines), span.stop + reach) and not lines[end].startswith(("@@", "diff ")):
        end += 1
    return [i for i in range(start, end) if i not in span and lines[i][:1] in ("+", "-")
            and len(norm(lines[i][1:])) >= _TRIVIAL_LEN]


def _widen(span: range, lines: list[str], trailing: int) -> range:
    """`span` with the short lines the quote ended with (`trailing_trivial`)."""
    stop = span.stop
    while stop < min(len(lines), span.stop + trailing) and lines[stop][:1] in ("+", "-", " ") \
            and len(norm(lines[stop][1:])) < _TRIVIAL_LEN:
        stop += 1
    return range(span.start, stop)


def _diff_state(keys: list[Key], answered: int, old: Side, new: Side,
                pairs: Iterable[PatchPair], trailing: int = 0) -> QuoteCheck:
    """Located in its patch, compared with the paired patch: a quoted line
    is gone when the interdiff changes it and the file has it nowhere else
    in the new revision (code moved to another patch is still there)."""
    label = new.revision.label
    keys = [k for k in keys[-_NEAR:] if k in old.diff]
    keys = [k for k in keys if k[0] != " "] or keys
    home = _home(keys, old.revision.patches, answered)
    lines = list(patch_lines(home)) if home is not None else []
    span = _locate(keys, lines)
    if home is None or span is None:
        return QuoteCheck(CodeState.NOT_CHECKABLE, 0, 0, "")
    span = _widen(span, lines, trailing)
    quoted = [i for i in span if _key(lines[i]) in set(keys)]
    file = next((c.path for c in home.files for h in c.hunks for ln in h.lines
                 if _key(ln) == _key(lines[quoted[-1]])), None)
    mate = next((p.new for p in pairs if p.old == home.index), None)
    where = f"{old.revision.label} {home.index}"
    wanted = {_key(lines[i]) for i in quoted}
    if mate is None:
        holder = _holder(wanted, new, None)
        if holder is None:
            return QuoteCheck(CodeState.REPLACED, 0, len(quoted), f"{label} has no patch like "
                              f"{where}, and none has the quoted lines")
        check = _pair_state(quoted, span, lines, file, line_fates(home, holder), where,
                            label, holder.index, new)
        return replace(check, detail=f"{label} has no patch like {where}; {label} "
                       f"{holder.index} has quoted lines: {check.detail}")
    fates = line_fates(home, _patch(new, mate))
    check = _pair_state(quoted, span, lines, file, fates, where, label, mate, new)
    if check.state is CodeState.MOVED and (holder := _holder(wanted, new, mate)) is not None:
        there = _pair_state(quoted, span, lines, file, line_fates(home, holder), where, label,
                            holder.index, new)
        if there.state is not CodeState.UNCHANGED:
            check = replace(there, detail=f"moved to {label} {holder.index}: {there.detail}")
    split = _split_into(lines, fates, mate, new)
    if not split:
        return check
    return replace(check, split_into=split, detail=f"{check.detail}; {label} "
                   f"{', '.join(map(str, split))} took lines of {where}")


def _patch(side: Side, index: int) -> Patch:
    return next(p for p in side.revision.patches if p.index == index)


def _holder(wanted: set[Key], new: Side, mate: int | None) -> Patch | None:
    """The patch of the new revision (other than the pair) that has most of
    the quoted lines, if any has them."""
    scored = [(len(wanted & _keys_of(p)), p) for p in new.revision.patches if p.index != mate]
    best = max(scored, key=lambda s: s[0], default=(0, None))
    return best[1] if best[0] else None


def _split_into(lines: list[str], fates: LineFates, mate: int, new: Side) -> tuple[int, ...]:
    """The other patches of the new revision holding changed lines the
    pair lost (the old patch was split)."""
    lost = [_key(lines[i]) for i in fates.deleted if lines[i][:1] in ("+", "-")
            and len(norm(lines[i][1:])) >= _TRIVIAL_LEN]
    out = []
    for patch in new.revision.patches:
        if patch.index == mate:
            continue
        have = _keys_of(patch)
        if sum(k in have for k in lost) >= _SPLIT_MIN:
            out.append(patch.index)
    return tuple(out)


def _pair_state(quoted: list[int], span: range, lines: list[str], file: str | None,
                fates: LineFates, where: str, label: str, mate: int, new: Side) -> QuoteCheck:
    """The quoted lines' state from the interdiff of their patch's pair."""

    def gone(i: int) -> bool:
        return i in fates.replaced | fates.deleted and not new.still_has(_key(lines[i]), file)

    lost = [i for i in quoted if gone(i)]
    still = len(quoted) - len(lost)
    if not lost and all(i in fates.deleted for i in quoted):
        return QuoteCheck(CodeState.MOVED, still, len(quoted),
                          f"the quoted lines left {where}'s pair {label} {mate} unchanged, "
                          f"for another patch of {label}")
    if not any(i in fates.touched for i in span):
        return QuoteCheck(CodeState.UNCHANGED, still, len(quoted),
                          f"all {len(quoted)} quoted lines unchanged in {label}")
    around = _around(lines, span)
    dropped = sum(gone(i) for i in around)
    deleted = [i for i in lost if i in fates.deleted]
    detail = f"{len(lost)} of {len(quoted)} quoted lines and {dropped} of {len(around)} " \
             f"changed lines near them are gone in {label} {mate}"
    if lost and len(around) >= 2 and dropped >= _SURVIVES * len(around):
        return QuoteCheck(CodeState.REPLACED, still, len(quoted),
                          f"rewritten with the code around it: {detail}")
    if len(deleted) * 2 > len(quoted):
        return QuoteCheck(CodeState.REMOVED, still, len(quoted), f"removed: {detail}")
    return QuoteCheck(CodeState.CHANGED, still, len(quoted),
                      f"the interdiff of {where} and {label} {mate} changes the quoted lines: "
                      f"{detail}")


def check_quote(keys: list[Key], kind: QuoteKind, answered: int, old: Side, new: Side,
                pairs: Iterable[PatchPair], trailing: int = 0) -> QuoteCheck:
    """The state of the quoted lines in the later revision (`trailing`:
    short diff lines the quote ended with, see `trailing_trivial`)."""
    if kind is QuoteKind.DIFF:
        return _diff_state(keys, answered, old, new, pairs, trailing)
    if kind is QuoteKind.MESSAGE:
        keys = [k for k in keys if _prose(k, old.messages)]
        still = sum(_prose(k, new.messages) for k in keys)
        if keys and still < len(keys):
            return QuoteCheck(CodeState.CHANGED, still, len(keys), f"{len(keys) - still} of "
                              f"{len(keys)} quoted lines of commit message reworded in "
                              f"{new.revision.label}")
        if keys:
            grown = _grown(answered, old, new, pairs)
            if grown:
                return QuoteCheck(CodeState.CHANGED, still, len(keys), grown)
            return QuoteCheck(CodeState.UNCHANGED, still, len(keys), f"the commit message "
                              f"quoted is the same in {new.revision.label}")
    return QuoteCheck(CodeState.NOT_CHECKABLE, 0, 0, "")


def _message_lines(patch: Patch) -> list[str]:
    return [norm(line) for line in patch.commit_message.splitlines()
            if line.strip() and not TRAILER.match(line)]


def _grown(answered: int, old: Side, new: Side, pairs: Iterable[PatchPair]) -> str:
    """What the commit message of the answered patch's pair gained (the
    reviewer asked for more than a rewording of the quoted lines)."""
    for pair in pairs:
        if pair.old is None or pair.new is None or answered not in (0, pair.old):
            continue
        a = next(p for p in old.revision.patches if p.index == pair.old)
        b = next(p for p in new.revision.patches if p.index == pair.new)
        before = _message_lines(a)
        gained = [line for line in _message_lines(b) if line not in before]
        if gained:
            return (f"the commit message of {new.revision.label} {pair.new} has "
                    f"{len(gained)} new lines: \"{short(gained[0], 80)}\"…")
    return ""
