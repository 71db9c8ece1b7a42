"""Fixtures for the TUI tests: the sample built once per session and an app
factory (helpers to wait and to read the screen are in helpers.py)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

import reviewer
from tui.app import ReviewerApp, make_app

# The same isolation as tests/conftest.py, for the session-scoped build
# (function-scoped monkeypatching is not available there).
_BUILD_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Test Committer", "GIT_COMMITTER_EMAIL": "committer@example.org",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+00:00",
}


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(tree, mbox) of the embedded sample, built once for all TUI tests."""
    root = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("build-home")
        (home / ".gitconfig").write_text("[user]\n\tname = T\n\temail = t@example.org\n")
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        for key, value in _BUILD_ENV.items():
            mp.setenv(key, value)
        return reviewer.write_sample(root / "demo")


@pytest.fixture
def demo_app(sample: tuple[Path, Path]) -> Callable[[], ReviewerApp]:
    tree, mbox = sample
    return lambda: make_app(str(mbox), reviewer.Options(tree=str(tree)))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (no asyncio plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames  # noqa: SLF001
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True
