"""Whether the next revision carried the trailers given on this one.

Each given trailer is followed to the patch it was given on (a trailer on
the cover letter to every patch) and on to that patch's pair in the next
revision (reviewer.compare.pairing).  It is **carried** when the pair's
commit message has the same trailer by the same person (address or name,
as b4 matches them); **missing** when it does not though the patch is
unchanged (the same patch-id or changed lines) — the rule POL020 reports
that; **patch-changed** when the patch changed, where dropping the trailer
is the submitter's duty rather than a mistake; **patch-dropped** when the
next revision has no such patch; **no-next-revision** when there is none,
or it did not resend this patch (a partial respin).
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from reviewer.compare.pairing import PatchPair, pair_patches
from reviewer.compare.replies import same_person
from reviewer.mail.trailers import GivenTrailer, given_trailers
from reviewer.model import Address, CarryStatus, PairStatus, Patch, Revision

__all__ = ["CarriedTrailer", "carried_trailers", "has_trailer"]


@dataclass(frozen=True)
class CarriedTrailer:
    trailer: GivenTrailer
    old_patch: int  # the patch it applies to (one entry per patch for a cover trailer)
    new_patch: int | None  # that patch's pair in the next revision
    status: CarryStatus
    detail: str


def has_trailer(patch: Patch, given: GivenTrailer) -> bool:
    """The patch's commit message has this trailer by this person."""
    for t in patch.trailers:
        if t.lname != given.lname:
            continue
        name, addr = email.utils.parseaddr(t.value)  # a bare address too (syzbot's)
        if same_person(Address(name, addr), given.who):
            return True
    return False


def _one(given: GivenTrailer, given_on: Revision, old_patch: int, new: Revision,
         pairs: list[PatchPair]) -> CarriedTrailer:
    pair = next((p for p in pairs if p.old == old_patch), None)
    if pair is None or pair.new is None:
        return CarriedTrailer(given, old_patch, None, CarryStatus.PATCH_DROPPED,
                              f"{new.label} has no patch like this one")
    patch = next(p for p in new.patches if p.index == pair.new)
    if patch.msgid in {p.msgid for p in given_on.patches}:
        return CarriedTrailer(given, old_patch, pair.new, CarryStatus.NO_NEXT,
                              f"{new.label} did not resend this patch")
    if has_trailer(patch, given):
        return CarriedTrailer(given, old_patch, pair.new, CarryStatus.CARRIED,
                              f"{new.label} {pair.new} has it")
    if pair.status is PairStatus.SAME:
        return CarriedTrailer(given, old_patch, pair.new, CarryStatus.MISSING,
                              f"{new.label} {pair.new} is unchanged but lacks it")
    return CarriedTrailer(given, old_patch, pair.new, CarryStatus.PATCH_CHANGED,
                          f"{new.label} {pair.new} changed, so the trailer was rightly dropped")


def carried_trailers(old: Revision, new: Revision | None,
                     pairs: tuple[PatchPair, ...] | list[PatchPair] | None = None
                     ) -> tuple[CarriedTrailer, ...]:
    """Every trailer given on `old`, per patch, with what `new` (None: no
    later revision) did with it."""
    out: list[CarriedTrailer] = []
    if new is not None and pairs is None:
        pairs = pair_patches(old.patches, new.patches)
    for given in given_trailers(old):
        patches = [p.index for p in old.patches] if given.patch == 0 else [given.patch]
        for k in patches:
            if new is None:
                out.append(CarriedTrailer(given, k, None, CarryStatus.NO_NEXT,
                                          "no later revision"))
            else:
                out.append(_one(given, old, k, new, list(pairs or [])))
    return tuple(out)
