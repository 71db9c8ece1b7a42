"""The engine: selection, cache, skipped and crashing rules, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from mailfactory import mail, mbox

import reviewer
from reviewer.checks import registry
from reviewer.checks.engine import check_series
from reviewer.cli import main
from reviewer.config import Config, load_config
from reviewer.store.cache import ResultCache

ROOT = Path(__file__).resolve().parents[3]


def _thread(tmp_path: Path) -> Path:
    return mbox(tmp_path, mail("[PATCH] ovl: x", msgid="a@x", signoff=None),
                mail("[PATCH v2] ovl: x", msgid="b@x", date="Tue, 05 Mar 2024 10:00:00 +0000"))


def test_select_and_ignore_by_prefix() -> None:
    config = Config(select=("POL00",), ignore=("POL001",))
    assert config.enabled("POL002") and not config.enabled("POL001")
    assert not config.enabled("POL012") and not config.enabled("RACE001")


def test_second_run_is_served_from_cache(tmp_path: Path) -> None:
    series = reviewer.open_source(_thread(tmp_path)).series[0]
    cache = ResultCache(tmp_path / "cache.sqlite3")
    first = check_series(series, None, None, Config(), cache)
    second = check_series(series, None, None, Config(), cache)
    assert not any(o.cached for r in first for o in r.outcomes)
    ran = [o for r in second for o in r.outcomes if o.status == "ran"]
    assert ran and all(o.cached for o in ran)
    assert [r.findings for r in first] == [r.findings for r in second]


def test_what_a_rule_depends_on_is_part_of_its_cache_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rules sharing an engine (the RACE rules and their tree facts) name its
    # version in `depends`: a new engine must not reuse the old findings.
    series = reviewer.open_source(_thread(tmp_path)).series[0]
    cache = ResultCache(tmp_path / "cache.sqlite3")
    check_series(series, None, None, Config(), cache)
    pol001 = registry.get_rule("POL001")
    monkeypatch.setitem(registry._REGISTRY, "POL001", replace(pol001, depends="engine 2"))
    again = check_series(series, None, None, Config(), cache)
    cached = {o.rule_id for r in again for o in r.outcomes if o.cached}
    assert "POL001" not in cached and "POL002" in cached
    assert all(r.depends for r in registry.all_rules() if r.family == "RACE")


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    series = reviewer.open_source(_thread(tmp_path)).series[0]
    reports = check_series(series, None, None, Config(), ResultCache(path))
    assert any(f.rule_id == "POL001" for r in reports for f in r.findings)
    assert ResultCache(path).get("nothing") is None


def test_check_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _thread(tmp_path)
    assert main(["check", str(path), "--format", "json"]) == 1  # POL001 is an error
    data = json.loads(capsys.readouterr().out)
    v1 = data["series"][0]["revisions"][0]
    assert data["schema"] == 1 and v1["counts"]["error"] >= 1
    assert {"rule", "severity", "message", "fingerprint", "level"} <= set(v1["findings"][0])
    assert main(["check", str(path), "--ignore", "POL001", "--fail-on", "error"]) == 0
    capsys.readouterr()
    assert main(["check", str(path), "--select", "POL009", "--fail-on", "warning"]) == 1
    out = capsys.readouterr().out
    assert "POL009" in out and "POL001" not in out
    assert main(["check", str(path), "--format", "markdown", "--select", "POL001"]) == 1
    assert "| POL001 missing-signoff |" in capsys.readouterr().out


def test_config_file_selects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('ignore = ["POL001"]\nfail-on = "error"\n[checkpatch]\ntimeout = 5\n')
    monkeypatch.setenv("REVIEWER_CONFIG", str(cfg))
    assert load_config().checkpatch_timeout == 5
    assert main(["check", str(_thread(tmp_path))]) == 0
    cfg.write_text("select = 3\n")
    assert main(["check", str(_thread(tmp_path))]) == 2
    assert "must be a list" in capsys.readouterr().err


def test_default_config_path_is_under_xdg(isolated_env: Path) -> None:
    from reviewer.config import config_path

    assert str(config_path()).startswith(str(isolated_env))


def test_a_signal_sent_to_a_rules_thread_reaches_the_main_thread_at_once() -> None:
    """Rules run in threads; the kernel may hand SIGTERM (a check worker
    being stopped) to one of them.  The main thread, waiting for the rules,
    still runs its handler at once, not when the rules are done."""
    code = (
        "import os, signal, threading, time\n"
        "from reviewer.checks import engine\n"
        "from reviewer.checks.context import RevisionInput\n"
        "from reviewer.checks.registry import Rule\n"
        "from reviewer.model import Scope, Severity\n"
        "def stopped(signum, frame):\n"
        "    print('stopped', flush=True)\n"
        "    os._exit(0)\n"
        "signal.signal(signal.SIGTERM, stopped)\n"
        "def hangs(ctx):\n"
        "    time.sleep(0.5)  # the main thread waits for the rules by now\n"
        "    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # to this thread\n"
        "    time.sleep(60)\n"
        "    return []\n"
        "rules = [Rule(f'T{i}', 't', Severity.INFO, Scope.REVISION, 1, hangs) for i in (1, 2)]\n"
        "data = RevisionInput(None, None, None, None, None, None)\n"
        "engine._run_rules(rules, data, None, threads=2)\n"
        "print('not stopped')\n")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=30, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip() == "stopped", proc.stderr
    assert time.monotonic() - start < 10
