"""Rebuild the reply tree from In-Reply-To and References."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.model import Message, Thread

__all__ = ["build_thread"]


def _parent(msg: Message, present: dict[str, Message]) -> tuple[str | None, set[str]]:
    """The nearest present ancestor named by the headers, and the absent ones.

    In-Reply-To is the direct parent; when it is missing, the References
    chain (newest first) still says where in the thread the mail belongs.
    """
    candidates = ([msg.in_reply_to] if msg.in_reply_to else []) + list(reversed(msg.references))
    absent: set[str] = set()
    for mid in candidates:
        if mid == msg.msgid:
            continue
        if mid in present:
            return mid, absent
        absent.add(mid)
    return None, absent


def build_thread(messages: Iterable[Message]) -> Thread:
    """Messages keep their first copy when a Message-ID repeats; mails whose
    parents are absent become roots, and the absent IDs go in `missing`."""
    present: dict[str, Message] = {}
    for msg in messages:
        present.setdefault(msg.msgid, msg)
    parents: dict[str, str | None] = {}
    missing: set[str] = set()
    for mid, msg in present.items():
        parent, absent = _parent(msg, present)
        parents[mid] = parent
        missing |= absent
    _break_cycles(parents)
    children: dict[str, list[str]] = {}
    for mid, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(mid)

    def by_date(mid: str) -> tuple[float, str]:
        return (present[mid].date.timestamp(), mid)

    roots = sorted((m for m, p in parents.items() if p is None), key=by_date)
    return Thread(
        messages=present,
        parents=parents,
        children={k: tuple(sorted(v, key=by_date)) for k, v in children.items()},
        roots=tuple(roots),
        missing=frozenset(missing),
    )


def _break_cycles(parents: dict[str, str | None]) -> None:
    """Forged headers can make A answer B answer A; cut such loops.  A walk
    stops at mails already known to lead to a root: linear in the thread,
    however deep (a chain of thousands of replies)."""
    done: set[str] = set()
    for start in parents:
        path: list[str] = []
        on_path: set[str] = set()
        cur: str | None = start
        while cur is not None and cur not in done:
            if cur in on_path:  # the loop closes: cut the step that closed it
                parents[path[-1]] = None
                break
            path.append(cur)
            on_path.add(cur)
            cur = parents.get(cur)
        done.update(path)
