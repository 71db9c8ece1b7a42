"""Property tests (hypothesis) for the parsers that read what strangers
send: mail (any bytes, headers, charsets, transfer encodings, CRLF,
format=flowed, multipart), subjects, diff hunks and C fragments, and the
race analysis over them.  No crash (only the documented ReviewerError), no
hang (each example under the 1 s deadline), and round trips where there is
one: a series `git format-patch` makes of random commits reads back with
its patch-ids, subjects and authors.

The default run is short; REVIEWER_FUZZ_LONG=1 selects the long profile
(see conftest.py).  The number of examples that ran is printed at the end."""

from __future__ import annotations

import base64
import difflib
import json
import os
import quopri
import subprocess
import tempfile
from pathlib import Path

import pytest
from core.gitutil import GIT_ENV, GIT_OPTS, git
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from reliability.common import LONG, count
from rich.console import Console

import reviewer
from reviewer import cparse, postimage
from reviewer.errors import ReviewerError
from reviewer.mail.diff import parse_diff
from reviewer.mail.subject import parse_subject
from reviewer.output.listing import inert, revisions_table, series_to_json

pytestmark = pytest.mark.fuzz

# -- mail ----------------------------------------------------------------------------

CHARSETS = ["utf-8", "UTF-8", "us-ascii", "iso-8859-1", "koi8-r", "cp1252", "utf-7",
            "x-unknown", "", "utf-8\"", "u\x00d", "latin1; format=flowed"]
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus", ""]
HEADERS = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
           "Reply-To", "MIME-Version", "X-Face", "Content-Disposition", "Sender"]
SUBJECTS = ["[PATCH] fs: fix it", "[PATCH v2 1/3] mm: x", "[RFC PATCH v3 0/2] cover",
            "Re: [PATCH 2/2] net: y", "[PATCH 1 of 2] hg", "[net,v2,1/2] z", "[PATCH 3/2] extra",
            "=?utf-8?q?=5BPATCH=5D_caf=C3=A9?=", "=?utf-8?b?W1BBVENIXQ==?= b64",
            "=?bogus?x?zz?=", "=?utf-8?b?!!!?=", "[PATCH v99999999999999999999 1/1] big"]
DIFF = ("diff --git a/fs/a.c b/fs/a.c\nindex 1111111..2222222 100644\n--- a/fs/a.c\n"
        "+++ b/fs/a.c\n@@ -1,3 +1,4 @@ int f(void)\n {\n+\tspin_lock(&d->lock);\n"
        " \treturn 0;\n }\n")

text = st.text(max_size=60)
addresses = st.one_of(
    st.builds(lambda n, u: f"{n} <{u}@example.org>", text,
              st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
    st.sampled_from(["<a@b>", "a@b (comment", 'bob "open <bob@x.org>', "undisclosed-recipients:;",
                     "=?utf-8?b?SsO2cmc=?= <j@x.org>", "@", "<>", "x" * 300 + "@y"]),
    text)
msgids = st.one_of(st.from_regex(r"<[a-z0-9.]{1,12}@[a-z]{1,6}>", fullmatch=True),
                   st.sampled_from(["<>", "<a@b> <c@d>", "no-brackets@x", "<" + "m" * 500 + "@x>"]),
                   text)
dates = st.one_of(st.sampled_from([
    "Mon, 01 Jan 2024 10:00:00 +0000", "Fri, 9 Jun 2006 00:44:16 -0700",
    "Wed, 4 Jun 2014 17:50:\xff\xff", "Mon, 01 Jan 99999 10:00:00 +0000",
    "Tue, 31 Feb 2024 25:61:61 +9999", "Mon, 1 Jan 2024 10:00:00 -9900", "0", ""]), text)


def header_value(name: str) -> st.SearchStrategy[str]:
    return {"From": addresses, "To": addresses, "Cc": addresses, "Message-ID": msgids,
            "In-Reply-To": msgids, "References": msgids, "Date": dates,
            "Subject": st.one_of(st.sampled_from(SUBJECTS), text)}.get(name, text)


@st.composite
def headers(draw: st.DrawFn) -> list[tuple[str, str]]:
    names = draw(st.lists(st.sampled_from(HEADERS), max_size=10))
    out = [(n, draw(header_value(n))) for n in names]
    if draw(st.booleans()):
        out.append(("Subject", draw(st.sampled_from(SUBJECTS))))
    return out


def encode_body(body: bytes, cte: str, corrupt: bool) -> bytes:
    if cte == "base64":
        out = base64.encodebytes(body)
        return out[:-3] + b"!*" if corrupt and out else out
    if cte == "quoted-printable":
        out = quopri.encodestring(body)
        return out + b"=ZZ=\n" if corrupt else out
    return body


@st.composite
def mails(draw: st.DrawFn) -> bytes:
    """One mail: random headers, a text or diff body in some charset and
    transfer encoding, maybe multipart, with LF, CRLF or CR line ends."""
    nl = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    head = draw(headers())
    body_text = draw(st.one_of(text, st.just("Text.\n\nSigned-off-by: A <a@b>\n---\n" + DIFF),
                               st.just(DIFF), st.builds(lambda a, b: a + DIFF + b, text, text)))
    charset = draw(st.sampled_from(CHARSETS))
    try:
        body = body_text.encode(charset or "utf-8", "replace")
    except (LookupError, ValueError):
        body = body_text.encode("utf-8", "surrogatepass")
    cte = draw(st.sampled_from(ENCODINGS))
    body = encode_body(body, cte, draw(st.booleans()))
    flowed = "; format=flowed; delsp=yes" if draw(st.booleans()) else ""
    ctype = draw(st.sampled_from(["text/plain", "text/x-patch", "text/html", "multipart/mixed",
                                  "application/octet-stream", ""]))
    lines = [f"{k}: {v}".encode("utf-8", "surrogateescape") for k, v in head]
    if ctype.startswith("multipart"):
        lines.append(b'Content-Type: multipart/mixed; boundary="BOUND"')
        part = (f"Content-Type: text/plain; charset={charset}\n"
                f"Content-Transfer-Encoding: {cte}\n\n").encode("utf-8", "replace") + body
        body = b"--BOUND\n" + part + b"\n--BOUND\nContent-Type: text/x-diff\n\n" + DIFF.encode()
        body += b"\n--BOUND--\n" if draw(st.booleans()) else b""  # maybe never closed
    elif ctype:
        lines.append(f"Content-Type: {ctype}; charset={charset}{flowed}".encode("utf-8", "replace"))
        lines.append(f"Content-Transfer-Encoding: {cte}".encode())
    raw = b"\n".join(lines) + b"\n\n" + body
    return raw.replace(b"\r\n", b"\n").replace(b"\n", nl)


@st.composite
def mailboxes(draw: st.DrawFn) -> bytes:
    parts = draw(st.lists(mails(), min_size=1, max_size=4))
    if draw(st.booleans()) and len(parts) == 1:
        return parts[0]  # a single mail file
    sep = draw(st.sampled_from([b"From mboxrd@z Thu Jan  1 00:00:00 1970\n",
                                b"From 1234567890abcdef Mon Sep 17 00:00:00 2001\n", b"From x\n"]))
    lead = draw(st.sampled_from([b"", b"\n\n", b"  \n\t\n"]))
    return lead + b"".join(sep + p + b"\n" for p in parts)


def _open(data: bytes) -> reviewer.Opened | None:
    """SOURCE → series, then every way the CLI shows them."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        path = Path(tmp) / "in.mbox"
        path.write_bytes(data)
        try:
            opened = reviewer.open_source(path)
        except ReviewerError as exc:  # documented: no mail / no patches
            assert "\n" not in str(exc)
            return None
    console = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115
    with console.file:
        for series in opened.series:
            console.print(revisions_table(series))
            json.dumps(series_to_json(series))
            for rev in series.revisions:
                for patch in rev.patches:
                    assert isinstance(patch.diff, str) and isinstance(patch.commit_message, str)
    return opened


@given(mailboxes())
def test_mail_parser_never_crashes(data: bytes) -> None:
    count("mail: generated mailboxes")
    _open(data)


@given(st.binary(max_size=2000))
def test_mail_parser_on_random_bytes(data: bytes) -> None:
    count("mail: random bytes")
    _open(data)


@given(st.binary(max_size=600))
def test_mail_parser_on_random_bytes_after_a_valid_header(data: bytes) -> None:
    count("mail: valid header, random body")
    _open(b"From: A <a@b.org>\nSubject: [PATCH] x: y\nMessage-ID: <m@x>\n"
          b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + data)


# -- subjects --------------------------------------------------------------------------

@given(st.text(max_size=300))
def test_subject_parser_never_crashes(subject: str) -> None:
    count("subject: random text")
    info = parse_subject(subject)
    assert info.counter >= 0 and info.total >= info.counter and info.version >= 1
    assert isinstance(info.summary, str)


words = st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,9}", fullmatch=True),
                 min_size=1, max_size=8).map(" ".join)


@given(st.integers(1, 99), st.integers(1, 200), st.integers(0, 200), words,
       st.sampled_from(["PATCH", "RFC PATCH", "PATCH RFC", "PATCH net-next", "PATCH RESEND"]),
       st.booleans())
def test_subject_round_trip(version: int, total: int, counter: int, summary: str, tag: str,
                            hg: bool) -> None:
    """`[TAG vV K/N] summary` (or hg's `K of N`) reads back as written."""
    count("subject: round trip")
    assume(counter <= total)
    v = f" v{version}" if version > 1 else ""
    kn = f"{counter} of {total}" if hg else f"{counter}/{total}"
    info = parse_subject(f"[{tag}{v} {kn}] {summary}")
    assert (info.version, info.counter, info.total) == (version, counter, total)
    assert info.summary == summary and info.counters_given and info.is_patch
    assert info.rfc == ("RFC" in tag) and info.resend == ("RESEND" in tag)


# -- diff hunks --------------------------------------------------------------------------

diff_lines = st.sampled_from(["diff --git a/x b/x", "diff --git a/x", "--- a/x", "+++ b/x",
                              "--- /dev/null", "+++ /dev/null", "@@ -1,3 +1,4 @@", "@@ -1 +1 @@",
                              "@@ -0,0 +1,2 @@ f(void)", "@@ -9999999999999999999999,1 +1 @@",
                              "@@ -1," + "9" * 5000 + " +1 @@", "new file mode 100644",
                              "deleted file mode 100644", "rename from a", "rename to b",
                              "index 123..456", "GIT binary patch", "literal 0", "\\ No newline",
                              " ctx", "+add", "-del", "", "Index: x", "copy from", "Binary files"])


@given(st.lists(st.one_of(diff_lines, st.text(max_size=30)), max_size=60).map("\n".join))
def test_diff_parser_never_crashes(diff: str) -> None:
    count("diff: random lines")
    for change in parse_diff(diff):
        for hunk in change.hunks:
            hunk.added(), hunk.removed(), hunk.pre_image(), hunk.post_image()


file_lines = st.lists(st.from_regex(r"[a-z ;(){}]{0,12}", fullmatch=True), max_size=40)


@given(st.lists(st.tuples(st.from_regex(r"[a-z]{1,6}(/[a-z]{1,6}){0,2}\.c", fullmatch=True),
                          file_lines, file_lines),
                min_size=1, max_size=3, unique_by=lambda t: t[0]),
       st.integers(0, 5))
def test_diff_round_trip(files: list[tuple[str, list[str], list[str]]], context: int) -> None:
    """A unified diff of random old/new texts parses back to hunks whose
    pre- and post-images are exactly those lines of the old and new text."""
    count("diff: round trip")
    text_diff = ""
    for path, old, new in files:
        body = list(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=context,
                                         lineterm=""))
        if body:
            text_diff += f"diff --git a/{path} b/{path}\n" + "\n".join(body) + "\n"
    changed = [(p, o, n) for p, o, n in files if o != n]
    parsed = parse_diff(text_diff)
    assert [c.path for c in parsed] == [p for p, _o, _n in changed]
    for change, (_p, old, new) in zip(parsed, changed, strict=True):
        for h in change.hunks:
            pre = old[max(h.old_start - 1, 0):max(h.old_start - 1, 0) + h.old_len]
            post = new[max(h.new_start - 1, 0):max(h.new_start - 1, 0) + h.new_len]
            assert h.pre_image() == "".join(f"{line}\n" for line in pre)
            assert h.post_image() == "".join(f"{line}\n" for line in post)


# -- C fragments and the race analysis ----------------------------------------------

C_TOKENS = ["static", "int", "void", "struct", "dentry", "*d", "f(", "g(", ")", "(", "{", "}",
            ";", ",", "\n", "if (", "else", "return", "0", "-1", "d->d_lock", "&d->d_lock",
            "spin_lock(", "spin_unlock(", "rcu_read_lock();", "rcu_read_unlock();", "goto out;",
            "out:", "#define X(a) a", "#if 0", "#endif", "EXPORT_SYMBOL(f);", "d_add(", "dput(",
            "__releases(x)", "__must_hold(&d->d_lock)", "while (1)", "for (;;)", "/*", "*/",
            "\"str", "'c'", "=", "==", "!", "&&", "NULL", "hlist_bl_lock(", "smp_mb();"]
c_text = st.one_of(st.lists(st.sampled_from(C_TOKENS), max_size=120).map(" ".join),
                   st.text(max_size=200))


@given(c_text, st.frozensets(st.integers(0, 60), max_size=10))
def test_c_parsers_never_crash(src: str, lines: frozenset[int]) -> None:
    count("cparse: functions, calls, prototypes, exports, macros")
    fns = cparse.functions(src)
    cparse.calls(src), cparse.prototypes(src), cparse.exported_symbols(src), cparse.macros(src)
    touched = cparse.functions_touching(src, lines)
    assert {f.name for f in touched} <= {f.name for f in fns}
    for n in lines:
        cparse.function_at(fns, n)


hunk_line = st.one_of(st.sampled_from([t for t in C_TOKENS if t != "\n"]),
                      st.text(st.characters(blacklist_characters="\r\n"), max_size=20))


@given(st.lists(st.tuples(st.integers(1, 3000),
                          st.lists(st.tuples(st.sampled_from(" +-\\"), hunk_line)
                                   .map(lambda t: t[0] + t[1]), max_size=15),
                          st.one_of(st.just(""), st.sampled_from(["static int f(struct d *d)",
                                                                  "int g(int a,", "f(void) {"]),
                                    st.text(max_size=30))),
                max_size=4))
def test_rebuild_post_image(hunks: list[tuple[int, list[str], str]]) -> None:
    """Every context/added line sits at its post-image line (when hunks do
    not overlap), and the line map names only real lines."""
    count("postimage: rebuild_post_image")
    text_, line_map, _ = postimage.rebuild_post_image(hunks)
    rows = text_.split("\n")
    overlap = False
    seen: set[int] = set()
    for start, lines, _section in hunks:
        n = start
        for line in lines:
            if line.startswith(("-", "\\")):
                continue
            overlap |= n in seen
            seen.add(n)
            n += 1
    assert set(line_map) == seen
    if not overlap:
        for start, lines, _section in hunks:
            n = start
            for line in lines:
                if not line.startswith(("-", "\\")):
                    assert rows[n - 1] == line[1:], (n, line)
                    n += 1


try:
    from reviewer.checks.race.analysis import SourceFile, analyze
except ImportError:  # the race checks are not there yet
    analyze = None


@pytest.mark.skipif(analyze is None, reason="reviewer.checks.race.analysis is absent")
@given(c_text, st.frozensets(st.integers(1, 40), max_size=8), st.sampled_from(["tree", "hunks"]),
       st.booleans())
def test_race_analysis_never_crashes(src: str, changed: frozenset[int], origin: str,
                                     all_lines: bool) -> None:
    count("race: analyze")
    assert analyze is not None
    known = frozenset(range(1, src.count("\n") + 2)) if origin == "hunks" else None
    for hit in analyze([SourceFile("fs/x.c", src, changed, origin, known)], all_lines=all_lines):
        assert hit.code.startswith("RACE") and hit.path == "fs/x.c"


# -- round trip: git format-patch → reviewer ----------------------------------------

names = st.lists(st.from_regex(r"[A-Za-zÀ-ÿĀ-ž一-龥]{1,8}", fullmatch=True),
                 min_size=1, max_size=3).map(" ".join)
subject_words = st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_.:/()'é-]{0,14}", fullmatch=True),
                         min_size=1, max_size=14).map(" ".join)
commits = st.lists(st.tuples(subject_words, names,
                             st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.org", fullmatch=True),
                             st.sampled_from(["a.c", "b.c", "dir/c.h", "new.txt"]),
                             # no NUL: git would call the file binary (no text diff)
                             st.lists(st.text(alphabet=st.characters(
                                 blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
                                 max_size=30), min_size=1, max_size=6),
                             st.text(st.characters(blacklist_characters="\x00"), max_size=80)),
                   min_size=1, max_size=4)


GIT = ["git", *GIT_OPTS]


def _patch_ids(repo: Path, rev_range: str) -> list[str]:
    log = subprocess.run(["git", *GIT_OPTS, "log", "-p", "--reverse", rev_range], cwd=repo,
                         env={**os.environ, **GIT_ENV}, capture_output=True, check=True).stdout
    out = subprocess.run(["git", "patch-id", "--stable"], cwd=repo, input=log,
                         capture_output=True, check=True).stdout.decode()
    return [line.split()[0] for line in out.splitlines()]


# git runs make each example slow: fewer of them, no deadline, and no
# shrinking (minutes of git calls); a failure is reported as found.
@settings(deadline=None, max_examples=60 if LONG else 8,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(commits, st.sampled_from([[], ["--cover-letter"], ["--no-thread"], ["--thread=deep"],
                                 ["--encode-email-headers"], ["--no-encode-email-headers"]]))
def test_format_patch_round_trip(tmp_path: Path,
                                 series: list[tuple[str, str, str, str, list[str], str]],
                                 opts: list[str]) -> None:
    """Random small commits → `git format-patch` → reviewer: the same
    patch-ids (`git patch-id --stable`), subjects and authors, in order."""
    count("round trip: git format-patch")
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        git(repo, "init", "-q")
        (repo / "base.txt").write_text("base\n")
        git(repo, "add", "base.txt")
        git(repo, "commit", "-q", "-m", "base")
        made = []
        for n, (subject, name, addr, path, lines, body) in enumerate(series):
            f = repo / path
            f.parent.mkdir(exist_ok=True)
            old = f.read_text() if f.exists() else ""
            new = old + "".join(f"{line}\n" for line in lines)
            if new == old:
                continue
            f.write_text(new)
            git(repo, "add", path)
            message = subject + ("\n\n" + body.strip() if body.strip() else "")
            env_date = f"2024-02-01T10:{n:02d}:00+00:00"
            proc = subprocess.run([*GIT, "commit", "-q", "--cleanup=verbatim", "-F", "-"],
                                  cwd=repo, input=message.encode(), capture_output=True,
                                  env={**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": name,
                                       "GIT_AUTHOR_EMAIL": addr, "GIT_AUTHOR_DATE": env_date,
                                       "GIT_COMMITTER_DATE": env_date})
            assert proc.returncode == 0, proc.stderr
            made.append((subject, name, addr))
        assume(made)
        mbox = repo / "series.mbox"
        mbox.write_bytes(subprocess.run(
            [*GIT, "format-patch", "--stdout", *opts, f"HEAD~{len(made)}"],
            cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, check=True).stdout)
        want_ids = _patch_ids(repo, f"HEAD~{len(made)}..HEAD")
        opened = reviewer.open_source(mbox)
        patches = [p for s in opened.series for r in s.revisions for p in r.patches]
        assert [(p.title, p.author.name, p.author.email) for p in patches] == made
        assert [p.patch_id for p in patches] == want_ids
        assert all(inert(p.title).plain == p.title for p in patches)
