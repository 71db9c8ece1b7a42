"""RACE001..RACE008 in the rule registry, and end to end on a mail."""

from __future__ import annotations

from pathlib import Path

from mailfactory import mail, mbox, run_rule

from reviewer.checks.race import CODES
from reviewer.checks.registry import REQUIRED_SECTIONS, all_rules, get_rule

DIFF = """\
diff --git a/fs/layer/namei.c b/fs/layer/namei.c
index 1111111..2222222 100644
--- a/fs/layer/namei.c
+++ b/fs/layer/namei.c
@@ -40,6 +40,11 @@ static int layer_lookup(struct dentry *base, const char *name, int len,
 \tthis = lookup_one_len_unlocked(name, base, len);
 \tif (IS_ERR(this))
 \t\treturn PTR_ERR(this);
+\tif (d_is_negative(this)) {
+\t\td_drop(this);
+\t\tdput(this);
+\t\treturn -ENOENT;
+\t}
 \t*ret = this;
 \treturn 0;
 }
"""


def test_all_race_rules_registered_and_documented() -> None:
    ids = {r.id for r in all_rules() if r.family == "RACE"}
    assert ids >= set(CODES)
    for code in CODES:
        r = get_rule(code)
        for section in REQUIRED_SECTIONS:
            assert section in r.doc, (code, section)
        assert "Use instead:" in r.doc and "```c" in r.doc, code
        assert r.summary.endswith("."), code


def test_race001_and_race003_on_a_patch_that_did_not_apply(tmp_path: Path) -> None:
    path = mbox(tmp_path, mail("[PATCH] layer: drop negative lookups", msgid="a@x", diff=DIFF))
    for code in ("RACE001", "RACE003"):
        report = run_rule(code, path)
        assert [(f.rule_id, f.file, f.line, f.level) for f in report.findings] == [
            (code, "fs/layer/namei.c", 44, "diff")]
        assert report.findings[0].message.startswith("layer_lookup(): d_drop(this)")
    assert run_rule("RACE004", path).findings == ()
