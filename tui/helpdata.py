"""Help as data: the bindings each screen and widget declares, grouped by
where they apply.  The help screen renders this; a test checks that every
binding has an id and a tooltip and appears here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HelpEntry:
    keys: tuple[str, ...]
    description: str
    tooltip: str
    id: str


@dataclass(frozen=True)
class HelpSection:
    title: str
    text: str
    entries: tuple[HelpEntry, ...]


def own_bindings(cls: type) -> list[Any]:
    """The bindings a class declares itself (not those it inherits)."""
    return list(cls.__dict__.get("BINDINGS", []))


def entry(binding: Any, show_key: Callable[[str], str]) -> HelpEntry:
    keys = tuple(show_key(k.strip()) for k in binding.key.split(","))
    return HelpEntry(keys, binding.description, binding.tooltip, binding.id or "")


def sections(contexts: Sequence[tuple[str, str, Sequence[type]]],
             show_key: Callable[[str], str],
             extra: dict[str, Sequence[HelpEntry]] | None = None) -> list[HelpSection]:
    """`contexts`: (title, text, classes whose bindings apply there);
    `extra`: entries that are not Binding objects, by section title."""
    out = []
    for title, text, classes in contexts:
        entries = [entry(b, show_key) for cls in classes for b in own_bindings(cls)]
        entries += (extra or {}).get(title, ())
        out.append(HelpSection(title, text, tuple(entries)))
    return out
