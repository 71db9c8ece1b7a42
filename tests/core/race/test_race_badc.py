"""Bad C never crashes the race analysis: truncated code, macros that hide
braces, K&R definitions, GNU extensions and files that are not C at all are
read as far as they make sense, and a revision full of them still runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from mailfactory import mail, mbox

import reviewer
from reviewer.checks.engine import check_series
from reviewer.checks.race import SourceFile, analyze
from reviewer.config import Config
from reviewer.postimage import DiffHunk, rebuild_post_image

BAD = {
    "truncated": "static int f(struct dentry *d)\n{\n\tspin_lock(&d->d_lock);\n\tif (d->",
    "stray-braces": "}\n}\nstatic void g(void) { } }\n{ spin_unlock(&x->lock); }\n",
    "knr": ("int old(a, d)\n\tint a;\n\tstruct dentry *d;\n{\n\tspin_lock(&d->d_lock);\n"
            "\tif (a)\n\t\treturn -EINVAL;\n\tspin_unlock(&d->d_lock);\n\treturn 0;\n}\n"),
    "macros": ("#define LOCKED(x) do { spin_lock(&(x)->lock); } while (0)\n"
               "#define FOR_ALL(p) for (p = first; p; p = p->next)\n"
               "static void h(struct foo *f)\n{\n\tstruct foo *p;\n\tLOCKED(f);\n"
               "\tFOR_ALL(p)\n\t\tdput(p->dentry);\n\tlist_for_each_entry(p, &f->list, node)\n"
               "\t\tif (p->x) goto out;\nout:\n\tspin_unlock(&f->lock);\n}\n"),
    "ifdef-braces": ("static int k(struct foo *f)\n{\n#ifdef CONFIG_X\n\tif (f->a) {\n#else\n"
                     "\tif (f->b) {\n#endif\n\t\tspin_lock(&f->lock);\n\t}\n\treturn 0;\n}\n"),
    "gnu": ("static int m(struct foo *f)\n{\n\tint v = ({ int t = f->a; t + 1; });\n"
            "\tswitch (v) {\n\tcase 1 ... 3:\n\t\tgoto *f->target;\n\tdefault:\n"
            "\t\tbreak;\n\t}\n\tvoid inner(void) { spin_lock(&f->lock); }\n"
            "again:\n\tif (v--)\n\t\tgoto again;\n\treturn v;\n}\n"),
    "deep": "void d(void)\n{\n" + "\tif (x) {\n" * 300 + "\tdput(y);\n" + "}\n" * 301,
    "long-line": "void l(void) { a(" + "b, " * 5000 + "c); }\n",
    "makefile": "obj-$(CONFIG_EXT4_FS) += ext4.o\next4-y := balloc.o bitmap.o\n\t$(CC) -o $@\n",
    "kconfig": 'config EXT4_FS\n\ttristate "The Extended 4 filesystem"\n\tselect JBD2\n',
    "rust": "fn main() {\n    let x = vec![1, 2];\n    for i in x { println!(\"{}\", i); }\n}\n",
    "binary": "\x00\x01\xff\xfe{}()\x7f" * 50,
    "empty": "",
    "unicode": "static int ü(void) { return «0»; }\n/* naïve */ int x = '\\u00e9';\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_c_does_not_crash(name: str) -> None:
    text = BAD[name]
    n = text.count("\n") + 1
    hits = analyze([SourceFile(f"fs/{name}.c", text, frozenset(range(1, n + 1)), "tree")],
                   all_lines=True)
    assert all(h.path == f"fs/{name}.c" and 1 <= h.line <= n for h in hits)


def test_knr_definition_is_still_judged() -> None:
    hits = analyze([SourceFile("fs/knr.c", BAD["knr"], frozenset(range(1, 12)), "tree")])
    assert [(h.code, h.line) for h in hits] == [("RACE006", 7)]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_hunks_do_not_crash(name: str) -> None:
    lines = ["+" + line for line in BAD[name].split("\n")]
    image = rebuild_post_image([DiffHunk(40, lines, "static int f(struct dentry *d)"),
                                DiffHunk(10, [" }", "+\t{"], "int g(")])
    src = SourceFile(f"fs/{name}.c", image.text, frozenset(image.line_map), "hunks",
                     frozenset(image.line_map))
    analyze([src])


def test_a_revision_of_bad_files_runs_every_race_rule(tmp_path: Path) -> None:
    diff = "".join(
        f"diff --git a/fs/{name}.c b/fs/{name}.c\n--- a/fs/{name}.c\n+++ b/fs/{name}.c\n"
        f"@@ -1,1 +1,{text.count(chr(10)) + 1} @@ static int f(void)\n"
        + "".join(f"+{line}\n" for line in text.split("\n"))
        for name, text in BAD.items() if "\x00" not in text)
    path = mbox(tmp_path, mail("[PATCH] fs: odd code", msgid="odd@x", diff=diff))
    (report,) = check_series(reviewer.open_source(path).series[0], None, None,
                             Config(select=("RACE",)))
    race = [o for o in report.outcomes if o.rule_id.startswith("RACE")]
    assert race and all(o.status == "ran" for o in race), [
        (o.rule_id, o.status, o.reason) for o in race if o.status != "ran"]
