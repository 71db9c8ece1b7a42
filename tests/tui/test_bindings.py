"""Every binding has an id and a tooltip, the help shows every one, and the
keys mutt/b4/vim users expect are bound."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding

import tui
from tui.app import ReviewerApp
from tui.helpdata import own_bindings


def _tui_classes() -> list[type]:
    root = Path(tui.__file__).parent
    names = ["tui.app"] + [f"tui.{sub}.{m.name}" for sub in ("screens", "widgets")
                           for m in pkgutil.iter_modules([str(root / sub)])]
    classes = []
    for name in names:
        module = importlib.import_module(name)
        classes += [c for _, c in inspect.getmembers(module, inspect.isclass)
                    if c.__module__ == name and own_bindings(c)]
    return classes


def _bindings() -> list[tuple[type, Binding]]:
    return [(cls, b) for cls in _tui_classes() for b in own_bindings(cls)]


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    found = _bindings()
    assert len(found) > 30
    for cls, b in found:
        assert isinstance(b, Binding), (cls, b)
        assert b.id, f"{cls.__name__}: {b.key} has no id"
        assert b.tooltip, f"{cls.__name__}: {b.key} has no tooltip"


def test_binding_ids_are_unique_per_class() -> None:
    for cls in _tui_classes():
        ids = [b.id for b in own_bindings(cls)]
        assert len(ids) == len(set(ids)), cls


def test_the_help_lists_every_binding() -> None:
    app = ReviewerApp("unused.mbox")
    listed = {e.id for s in app.help_sections() for e in s.entries}
    missing = {b.id for _, b in _bindings()} - listed
    assert not missing


def test_the_expected_keys_are_bound() -> None:
    keys = {k for _, b in _bindings() for k in b.key.split(",")}
    for key in ("j", "k", "down", "up", "g", "G", "q", "enter", "slash", "tab", "n", "p",
                "e", "question_mark", "escape", "h", "l", "N", "t", "c",
                "left_square_bracket", "right_square_bracket", "space", "w", "s"):
        assert key in keys, key


def test_every_bound_key_has_an_action_to_run() -> None:
    """A key shown in the footer or the help that runs nothing is a lie."""
    for cls, b in _bindings():
        name = b.action.split("(")[0]
        owner: type = ReviewerApp if name.startswith("app.") else cls
        assert hasattr(owner, "action_" + name.removeprefix("app.")), (cls.__name__, b.key)
