"""The one module reaching past b4's public API checks the b4 versions it
was written for, and that range is the one pyproject allows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import b4
import pytest

from reviewer.errors import SourceError
from reviewer.mail import b4config

ROOT = Path(__file__).resolve().parents[2]


def test_supported_range_is_pyprojects() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [d for d in deps if re.match(r"b4\b", d)]
    found = re.fullmatch(r"b4>=(\d+)\.(\d+),<(\d+)\.(\d+)", spec.replace(" ", ""))
    assert found, spec
    a, b, c, d = map(int, found.groups())
    assert b4config.SUPPORTED == ((a, b), (c, d))


def test_an_unsupported_b4_is_one_line_not_a_misbehaviour(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(b4, "__VERSION__", "0.99.1")
    with pytest.raises(SourceError, match=r"^b4 0\.99\.1 is not supported for fetching "
                                          r"\(needs >=0\.14,<0\.17\)$"):
        b4config.lore_node("https://lore.example.org/all")


def test_the_node_is_for_the_archive_asked() -> None:
    node = b4config.lore_node("http://127.0.0.1:9/all")
    assert "127.0.0.1:9" in repr(vars(node))
