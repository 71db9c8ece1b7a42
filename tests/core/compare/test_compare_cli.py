"""`reviewer compare` on the command line: formats and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import reviewer
from reviewer.cli import main


@pytest.fixture(scope="module")
def sample_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return reviewer.write_sample(tmp_path_factory.mktemp("sample"))


@pytest.mark.parametrize("args", [["v1", "v9"], ["v9", "v1"], ["v2", "v2"], ["x", "v1"]])
def test_bad_revision_labels_are_one_line_exit_2(sample_paths: tuple[Path, Path],
                                                 capsys: pytest.CaptureFixture[str],
                                                 args: list[str]) -> None:
    assert main(["compare", str(sample_paths[1]), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("reviewer: ")
    if args[0] != args[1]:
        assert "no revision" in err and "have: v1, v2, v3, v4" in err


def test_text_with_tree(sample_paths: tuple[Path, Path],
                        capsys: pytest.CaptureFixture[str]) -> None:
    tree, mbox = sample_paths
    assert main(["compare", str(mbox), "v3", "v4", "--tree", str(tree)]) == 0
    out = capsys.readouterr().out
    for text in ("Patches (git range-diff of the applied commits)", "API surface",
                 "v4 no longer: ", "adds flag #define LOOKUP_NOCACHE_NEG 0x10000",
                 "fixed since v3", "POL012", "Requests on v3, in v4: 4 addressed",
                 "Bot reports on v3: none", "Trailers given on v3, in v4: none",
                 "A·R·T given: v3 0·0·0, v4 0·1·0", "Range-diff"):
        assert text in out, text


def test_json_and_markdown_without_tree(sample_paths: tuple[Path, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    mbox = sample_paths[1]
    assert main(["compare", str(mbox), "1", "2", "--format", "json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pairing"] == "diff" and data["old"]["apply"] is None
    assert {c["name"] for c in data["api"]["introduced"]} == {
        "lookup_dcache", "__lookup_slow", "lookup_one_len_common"}
    assert main(["compare", str(mbox), "v2", "v3", "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Compare v2 → v3: ")
    assert "## Requests on v2" in md and "- **quote**: replaced:" in md


def test_odd_replies_give_a_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An HTML-only reply (no text b4 reads: no request), a reply of quotes
    alone, an empty one and one with terminal escapes: compare reports on
    them in every format, the escapes inert."""
    from mailfactory import CODE, review, thread

    html = review("", msgid="h1@x").replace(
        "\n\n", "\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        "<p>Please <b>drop</b> this.</p>", 1)
    thread(tmp_path, [html, review("> +\tint err;\n> +\treturn err;", msgid="q1@x"),
                      review("", msgid="e1@x"),
                      review("> +\tinode->i_private = ctx;\n\nThis is wrong \x1b[2J\x07.",
                             msgid="x1@x")], CODE.replace("1 << inode", "1U << inode"), "")
    box = tmp_path / "t.mbox"
    for fmt in ("text", "json", "markdown"):
        assert main(["compare", str(box), "v1", "v2", "--format", fmt, "--no-cache"]) == 0
        out, err = capsys.readouterr()
        assert "\x1b" not in out and "\x07" not in out and err == ""
        assert "This is wrong" in out  # the escapes shown as \ufffd
