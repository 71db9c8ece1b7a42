"""reviewer.cparse: functions, calls, prototypes, exports, macros and
post-images rebuilt from hunks."""

from __future__ import annotations

from reviewer.cparse import (
    calls,
    exported_symbols,
    functions,
    functions_touching,
    macros,
    prototypes,
)
from reviewer.postimage import DiffHunk, rebuild_post_image

SRC = b"""\
#define LOOKUP_DROP_NEG 0x10000
#define put_twice(d) do { dput(d); dput(d); } while (0)

extern struct dentry *lookup_one_len(const char *, struct dentry *, int);
static inline int helper(void);
int logf(const char *fmt, ...);
struct dentry *(*hook)(int);

static int helper(void)
{
	return 0;
}

struct dentry *find(const char *name, struct dentry *base, int len)
{
	struct dentry *d = lookup_one_len(name, base, len);

	logf("%s", name);
	return d;
}
EXPORT_SYMBOL_GPL(find);
"""


def test_functions_and_overlap() -> None:
    fns = functions(SRC)
    assert [(f.name, f.start_line, f.end_line) for f in fns] == [
        ("helper", 9, 12), ("find", 14, 20)]
    assert fns[0].text.startswith("static int helper(void)")
    assert [f.name for f in functions_touching(SRC, {3, 17})] == ["find"]
    assert functions_touching(SRC, {1, 13}) == []


def test_calls_prototypes_exports_macros() -> None:
    assert [(c.name, c.nargs, c.line, c.function) for c in calls(SRC)
            if c.function] == [("lookup_one_len", 3, 16, "find"), ("logf", 2, 18, "find")]
    protos = {p.name: p for p in prototypes(SRC) if not p.is_definition}
    assert protos["lookup_one_len"].nparams == 3 and not protos["lookup_one_len"].is_static
    assert protos["helper"].nparams == 0 and protos["helper"].is_static
    assert protos["logf"].variadic and protos["logf"].nparams == 1
    assert "hook" not in protos  # a function pointer, not a prototype
    defs = [p for p in prototypes(SRC) if p.is_definition]
    assert [(p.name, p.nparams, p.line) for p in defs] == [("helper", 0, 9), ("find", 3, 14)]
    assert exported_symbols(SRC) == ["find"]
    assert macros(SRC) == ["LOOKUP_DROP_NEG", "put_twice"]


def test_rebuild_places_lines_at_their_post_image_numbers() -> None:
    hunks = [
        DiffHunk(10, [" \tint err;", "-\told();", "+\tnew_one();", "+\tnew_two();", " \tx = 1;"],
                 "static int frob(struct dentry *base, struct qstr *name,"),
        (20, [" \ty = 2;", "+\treturn err;", " }"]),
    ]
    text, line_map, _ = rebuild_post_image(hunks)
    lines = text.splitlines()
    assert lines[9] == "\tint err;" and lines[10] == "\tnew_one();"
    assert lines[12] == "\tx = 1;" and lines[19] == "\ty = 2;" and lines[21] == "}"
    assert sorted(line_map) == [10, 11, 12, 13, 20, 21, 22]
    assert all(line_map[n] == n for n in line_map)
    # The heading became a synthetic opener on the blank line before the hunk.
    assert 9 not in line_map and "frob(" in lines[8]
    fns = functions(text)
    assert [(f.name, f.start_line, f.end_line) for f in fns] == [("frob", 9, 22)]


def test_rebuild_new_function_after_a_closing_brace() -> None:
    hunks = [DiffHunk(5, [" \treturn 0;", " }", " ", "+static void added(struct dentry *d)",
                          "+{", "+\td_drop(d);", "+}"], "static int before(void)")]
    text, _, _ = rebuild_post_image(hunks)
    assert [f.name for f in functions(text)] == ["before", "added"]
    assert functions_touching(text, {10})[0].name == "added"


def test_rebuild_without_heading_keeps_top_level_code() -> None:
    text, line_map, _ = rebuild_post_image([(1, ["+#define X 1", "+int x;"])])
    assert text.splitlines()[:2] == ["#define X 1", "int x;"] and sorted(line_map) == [1, 2]
    assert rebuild_post_image([]) == ("", {}, ())
