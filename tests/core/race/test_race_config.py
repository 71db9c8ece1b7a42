"""The kernel API table extended from the user's config file, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mailfactory import mail, mbox

from reviewer.cli import main

NEW_FILE = """\
diff --git a/fs/demo.c b/fs/demo.c
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/fs/demo.c
@@ -0,0 +1,5 @@
+void demo_forget(struct dentry *d)
+{
+\tmy_unhash(d);
+\treturn;
+}
"""


def race_rules(capsys: pytest.CaptureFixture[str], path: Path) -> list[str]:
    main(["check", str(path), "--select", "RACE", "--format", "json", "--no-cache"])
    data = json.loads(capsys.readouterr().out)
    return [f["rule"] for f in data["series"][0]["revisions"][0]["findings"]]


def test_config_teaches_a_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = mbox(tmp_path, mail("[PATCH] fs: demo", msgid="d@x", diff=NEW_FILE))
    assert race_rules(capsys, path) == []
    cfg = tmp_path / "config.toml"
    cfg.write_text('[race.api.my_unhash]\nrequires = "d_lock:0"\n')
    monkeypatch.setenv("REVIEWER_CONFIG", str(cfg))
    assert race_rules(capsys, path) == ["RACE002"]
    cfg.write_text('[race.api.my_unhash]\nrequires = "no-such-lock"\n')
    assert main(["check", str(path), "--select", "RACE"]) == 2
    assert "my_unhash" in capsys.readouterr().err
