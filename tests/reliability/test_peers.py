"""Every fixture of the peer corpora (../shared/corpus/peers: patchwork, b4
and git's t5100) through `reviewer revisions` and `reviewer check`, and
through `apply` where the peer gives a tree (b4's gitdir.bundle).  Each is
either parsed as the peer's own tests expect (oracles.json) or rejected with
one line on stderr (exit 2), exactly as tests/reliability/REJECTED.md lists.
Never a traceback, never an internal error (exit 3)."""

from __future__ import annotations

import email.message
import email.utils
import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from core.gitutil import GIT_ENV, git, user_state
from helpers import PEERS, need
from reliability.common import assert_clean_exit, error_line, leftovers, run_cli, run_sub

import reviewer
from reviewer.mail.mailinfo import to_patch
from reviewer.mail.sources import load
from reviewer.mail.subject import parse_subject
from reviewer.model import Patch, Revision

HERE = Path(__file__).resolve().parent
ORACLES = PEERS / "oracles.json"
NOT_FIXTURES = {"MANIFEST.md", "oracles.json", ".gitattributes"}  # about the corpus itself
NOT_INPUT = {"expected-output", "doc"}  # a peer's expected output, or its notes
SAMPLES = "b4/samples"


# -- the corpus and the table ------------------------------------------------------

@cache
def oracle_entries() -> tuple[dict[str, Any], ...]:
    if not ORACLES.exists():
        return ()
    return tuple(json.loads(ORACLES.read_text())["fixtures"])


def by_file() -> dict[str, list[dict[str, Any]]]:
    """Input fixture (path under peers/) → its oracle entries ("sample.mbox#3"
    entries count for sample.mbox)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in oracle_entries():
        path = entry["file"].split("#", 1)[0]
        if entry["kind"] not in NOT_INPUT and (PEERS / path).is_file():
            out.setdefault(path, []).append(entry)
    return out


def other_files() -> list[str]:
    """Files of the corpus that are no input: the peers' expected outputs
    (git's msgNNNN/patchNNNN/infoNNNN, b4's .verify and -ref- files) and notes."""
    if not PEERS.is_dir():
        return []
    inputs = set(by_file())
    return sorted(rel for p in PEERS.rglob("*") if p.is_file()
                  and (rel := p.relative_to(PEERS).as_posix()) not in inputs
                  and rel not in NOT_FIXTURES)


def rejected_table() -> dict[str, str]:
    """fixture → message, from the table in REJECTED.md."""
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", (HERE / "REJECTED.md").read_text(), re.M)
    table = dict(rows)
    assert len(table) == len(rows), "a fixture is listed twice in REJECTED.md"
    return table


def params(names: list[str], absent: str) -> list[Any]:
    return [pytest.param(n, id=n) for n in names] or [pytest.param(None, id=absent)]


def rejection(err: str, path: Path) -> str:
    """The one error line without `reviewer: ` and the SOURCE path."""
    return error_line(err).removeprefix("reviewer: ").removeprefix(f"{path}: ")


def opened_revisions(path: Path) -> list[Revision]:
    opened = reviewer.open_source(path)
    return sorted((r for s in opened.series for r in s.revisions),
                  key=lambda r: (r.first_message.date, r.first_message.msgid))


def all_patches(path: Path) -> list[Patch]:
    return [p for r in opened_revisions(path) for p in r.patches]


def ids(msgids: list[str]) -> list[str]:
    return [m.strip("<>") for m in msgids]


# -- what each kind of peer test asserts ----------------------------------------------
# Each check gets the oracle entry, the fixture path and the rejection
# message (None when reviewer parsed it).

def check_grouping(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """patchwork test_series.py: covers/patches per series (= our revisions)."""
    assert rejected is None
    if path.name.endswith(".template"):
        return  # a str.format template: nothing asserted beyond parsing
    revs = opened_revisions(path)
    counts = entry.get("parsed_counts")
    if isinstance(counts, str):  # dependency-base-patch: "[cover, patch1, patch2]"
        assert [(r.cover is not None, len(r.patches)) for r in revs] == [(True, 2)]
        return
    if "patches_per_series" in entry:
        assert Counter(len(r.patches) for r in revs) == Counter(entry["patches_per_series"])
    if "covers_per_series" in entry:
        pairs = list(zip(entry["patches_per_series"], entry["covers_per_series"], strict=True))
        assert [(len(r.patches), int(r.cover is not None)) for r in revs] == pairs
    if isinstance(counts, dict):
        assert sum(len(r.patches) for r in revs) == counts["patches"]
        assert sum(r.cover is not None for r in revs) == counts["covers"]
    if "series_msgids" in entry:
        want = Counter(frozenset(ids(group)) for group in entry["series_msgids"])
        have = Counter(frozenset(([r.cover.msgid] if r.cover else [])
                                 + [p.msgid for p in r.patches]) for r in revs)
        assert have == want


def check_mail_parse(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """patchwork test_parser.py: find_content → (diff, message)."""
    expect, has_patch = entry["expect"], entry.get("has_patch")
    if has_patch is False:  # a pull request without a diff: nothing to review
        assert rejected is not None and rejected.startswith("no patches found")
        return
    if has_patch == "unknown" and rejected is not None:
        assert rejected.startswith("no patches found")
        return
    assert rejected is None
    patches = all_patches(path)
    assert len(patches) == 1  # parse_mail makes exactly one Patch
    diff, message = patches[0].diff, patches[0].commit_message
    assert diff and message
    if "diff_startswith" in expect:
        assert diff.startswith(expect["diff_startswith"])
    for needle, n in (("\nrename from ", 'count("\\nrename from ")'),
                      ("\nrename to ", 'count("\\nrename to ")'),
                      ("\n-a\n+b", 'count("\\n-a\\n+b")'),
                      ("\\ No newline at end of file",
                       'count("\\ No newline at end of file") in diff')):
        if n in expect:
            assert diff.count(needle) == expect[n], needle
    for needle in expect.get("diff_contains", []):
        assert needle in diff
    if "diff.rstrip()_endswith" in expect:
        assert diff.rstrip().endswith(expect["diff.rstrip()_endswith"])
        assert not message.rstrip().endswith(expect["diff.rstrip()_endswith"])
    if "no_html" in expect:
        assert "<div" not in diff and "<div" not in message


def check_not_mail(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """gpg status lines, git bundles: no mail."""
    assert rejected == "not a mailbox (no mail found)"


def check_raw_diff(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """patchwork's bare diffs: a one-patch series without mail headers,
    whose diff is the file (patchwork's own tests wrap it in mails first:
    test_wrapped_bare_diff)."""
    assert rejected is None
    (rev,) = opened_revisions(path)
    (patch,) = rev.patches
    assert patch.diff.rstrip("\n") + "\n" == path.read_text(encoding="utf-8")
    assert not patch.message.has_headers and not patch.author.email
    assert patch.title == path.stem.split("-", 1)[1]


def check_anything(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """patchwork's fuzz mails: anything but a crash (ValueError in patchwork)."""


def _norm_name(name: str) -> str:
    """git keeps RFC 2822 comments in author names, the email package drops them."""
    while (stripped := re.sub(r"\([^()]*\)", " ", name)) != name:
        name = stripped  # nested comments: innermost first
    return " ".join(name.split())


def _same_author(got: reviewer.Address, info: dict[str, str]) -> bool:
    name = got.name or got.email  # git names a bare address by itself
    return got.email == info["Email"] and _norm_name(name) == _norm_name(info["Author"])


def _mailinfo_variants(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The oracle entries of the same message: default and option variants
    (`--scissors`, `--no-inbody-headers`, `--message-id`)."""
    return [e for e in oracle_entries() if e["kind"] == "mailinfo" and e["file"] == entry["file"]]


def check_mailinfo(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """git t5100: `git mailinfo` → Author/Email/Subject, and msg/patch."""
    name = entry["file"].rsplit("/", 1)[-1]
    loaded = load(path)
    if "#" in name:
        msg = loaded.messages[int(name.split("#")[1]) - 1]
        assert msg.has_diff is entry["has_patch"]
        if not entry["has_patch"]:
            return  # no commit would be made of it
        patch = to_patch(msg, 1, 1)
        # An in-body From: without an address is ignored as with
        # --no-inbody-headers (REJECTED.md, known differences).
        variants = _mailinfo_variants(entry)
        assert any(_same_author(patch.author, v["info"]) for v in variants), patch.author
        # The message and title as b4 has git mailinfo give them: in-body
        # headers, and --scissors.
        b4_way = ([v for v in variants if v["mailinfo_option"] == "--scissors"]
                  or [v for v in variants if v["mailinfo_option"] is None])[0]
        assert patch.title == b4_way["info"]["Subject"]
        assert patch.commit_message.strip() == \
            (PEERS / b4_way["expected_msg_file"]).read_text().strip()
        return
    (msg,) = loaded.messages
    patch = to_patch(msg, 1, 1)
    if "info" in entry:
        assert _same_author(patch.author, entry["info"]), patch.author
        assert patch.title == entry["info"]["Subject"]
    raw = path.read_bytes()
    if name == "nul-plain":  # the NULs of the patch survive
        assert patch.diff.rstrip("\n") == raw.split(b"\n---\n", 1)[1].decode().rstrip("\n")
    elif name == "nul-b64.in":  # base64 body with NULs: the diff as git decodes it
        want = (PEERS / "git/t5100/nul-b64.expect").read_text()
        want = "diff --git" + want.split("\ndiff --git", 1)[1].split("\n-- \n", 1)[0]
        assert patch.diff.rstrip("\n") == want.rstrip("\n")
    elif name == "quoted-from.in":  # a body ">From" is text, not an mbox separator
        want = (PEERS / "git/t5100/quoted-from.expect").read_text()
        assert msg.body.startswith(want.rstrip("\n"))


def check_mailsplit(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """git t5100: `git mailsplit` counts, and the rfc2047/mboxrd/CR samples."""
    loaded = load(path)
    expect = entry["expect"]
    if isinstance(expect, dict):
        assert len(loaded.messages) == expect["git mailsplit message count"]
        for n, info in expect.get("info_by_message", {}).items():
            msg = loaded.messages[int(n) - 1]
            # git also drops a leading "Re:"; we keep it in the summary (it
            # marks a reply, which is never taken for a patch)
            assert re.sub(r"^(?i:re:\s*)+", "", msg.subject.summary) == info["Subject"]
            if "Email" in info:
                assert _same_author(msg.sender, info)
        return
    if path.name == "sample.mboxrd":  # mboxrd: ">From " unescaped one level
        assert len(loaded.messages) == 2
        for n, msg in enumerate(loaded.messages, 1):
            want = (PEERS / f"git/t5100/000{n}mboxrd").read_text()
            assert msg.body.strip("\n") == want.strip("\n")
    elif path.name == "quoted-cr.mbox":
        # Two base64 mails, the second written with CRLF line ends: read as
        # `git mailinfo --quoted-cr=strip` reads both (the mail's CRLF line
        # ends dropped), a CR inside a line (`printf "\rChecking"`) kept.
        assert len(loaded.messages) == 2
        info = dict(line.split(": ", 1) for line in
                    (PEERS / "git/t5100/quoted-cr-info").read_text().splitlines() if line)

        def stripped(name: str) -> str:
            text = (PEERS / "git/t5100" / name).read_text()
            return text.replace("%%\n", "\n").replace("%%", "\r")

        want_msg = stripped("quoted-cr-msg")
        want_patch = "diff --git" + stripped("quoted-cr-patch").split("\ndiff --git", 1)[1]
        for msg in loaded.messages:
            patch = to_patch(msg, 1, 1)
            assert _same_author(patch.author, info) and patch.title == info["Subject"]
            assert patch.commit_message.strip() == want_msg.strip()
            assert patch.diff.rstrip("\n") == want_patch.split("\n-- \n")[0].rstrip("\n")
            assert "\rChecking" in patch.diff and "\r\n" not in patch.diff


def _trailers(patch: Patch) -> set[tuple[str, str]]:
    return {(t.lname, t.value) for t in patch.trailers}


PERSON_TRAILERS = {"reviewed-by", "acked-by", "tested-by", "reported-by", "suggested-by",
                   "signed-off-by", "co-developed-by"}


def check_followups(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """b4 test_followup_trailers: the trailers b4 adds to each patch from the
    follow-ups (in its -ref- outputs) are the trailers of the replies we
    attach to the series (b4's own test identity, Test Override, excepted)."""
    assert rejected is None
    revs = opened_revisions(path)
    latest = revs[-1]
    replies = {(t.lname, t.value) for r in revs for reply in r.replies
               for t in reply.message.trailers}
    refs = sorted(path.parent.glob(path.stem + "-ref-*.txt"))
    for ref in refs:
        for ours, theirs in zip(latest.patches, load(ref).messages, strict=True):
            added = {t for t in _trailers(to_patch(theirs, 1, 1)) - _trailers(ours)
                     if t[0] in PERSON_TRAILERS and "test-override@" not in t[1]}
            assert added <= replies, (ref.name, added - replies)
    if path.name.endswith("partial-reroll.mbox"):  # a lone v3 2/2 carries v2 1/2 forward
        assert [r.label for r in revs] == ["v2", "v3"]
        assert [p.msgid for p in revs[1].patches] == [revs[0].patches[0].msgid,
                                                       "patch-v3-2-message@example.com"]


def check_series_apply(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """b4 shazam: the series found (apply itself: test_b4_shazam_apply)."""
    assert rejected is None
    (rev,) = opened_revisions(path)
    for want in entry.get("series", []):
        assert rev.version == want["version"]
        assert rev.cover is not None and rev.cover.msgid == want["cover"].strip("<>")
        assert [p.msgid for p in rev.patches] == ids(want["patches"])
    followups = set(ids(list(entry.get("followups", {}))))
    assert {r.message.msgid for r in rev.replies} == followups


def check_cover(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """b4 test_naked_cover_letter_detection."""
    assert rejected is None
    (rev,) = opened_revisions(path)
    expect = entry["expect"]
    assert (rev.cover is not None) is expect["has_cover"]
    if expect["has_cover"]:
        assert rev.cover is not None and rev.cover.subject.summary == expect["cover_subject"]


def check_mbox_write(entry: dict[str, Any], path: Path, rejected: str | None) -> None:
    """b4 test_save_git_am_mbox: the 8-bit / encoded From header decodes."""
    (msg,) = load(path).messages
    assert msg.sender.name.startswith("Unicôdé")


CHECKS: dict[str, Callable[[dict[str, Any], Path, str | None], None]] = {
    "series-grouping": check_grouping,
    "mail-parse": check_mail_parse,
    "fuzz": check_anything,
    "raw-diff": check_raw_diff,
    "gpg-status": check_not_mail,
    "trailer-parse": check_anything,
    "git-bundle": check_not_mail,
    "mailinfo": check_mailinfo,
    "mailsplit+mailinfo": check_mailsplit,
    "followup-trailers": check_followups,
    "series-apply": check_series_apply,
    "series-apply+followup-trailers": check_series_apply,
    "cover-detection": check_cover,
    "mbox-write": check_mbox_write,
}


# -- the tests -------------------------------------------------------------------------

def test_every_kind_is_checked() -> None:
    need(ORACLES)
    kinds = {e["kind"] for e in oracle_entries()} - NOT_INPUT - {"subject-cleanup"}
    assert kinds <= set(CHECKS), kinds - set(CHECKS)
    assert len(by_file()) >= 100


@pytest.mark.parametrize("rel", params(sorted(by_file()), "peers-absent"))
def test_fixture(rel: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    """`revisions` and `check` on one fixture: parsed as the peer expects,
    or rejected with the one line REJECTED.md gives for it."""
    if rel is None:
        pytest.skip(f"{PEERS} is absent (../shared is not beside the checkout)")
    path = PEERS / rel
    code, out, err = run_cli(["revisions", str(path), "--json"], capsys)
    assert_clean_exit(code, err, (0, 2))
    ccode, cout, cerr = run_cli(["check", str(path), "--format", "json"], capsys)
    assert_clean_exit(ccode, cerr, (0, 1, 2))
    rejected = rejection(err, path) if code == 2 else None
    assert (ccode == 2) is (code == 2)
    if rejected is not None:
        assert rejection(cerr, path) == rejected
    else:
        assert json.loads(out)["series"] and json.loads(cout)["series"]
    assert rejected_table().get(rel) == rejected, (
        f"{rel}: {'rejected with ' + repr(rejected) if rejected else 'parsed'}, "
        f"REJECTED.md says {rejected_table().get(rel)!r}")
    for entry in by_file()[rel]:
        CHECKS[entry["kind"]](entry, path, rejected)


def test_rejected_set_is_the_table() -> None:
    """The fixtures we reject are exactly those REJECTED.md lists, with the
    same message (the library path of the CLI's exit 2)."""
    need(ORACLES)
    rejected: dict[str, str] = {}
    for rel in by_file():
        path = PEERS / rel
        try:
            reviewer.open_source(path)
        except reviewer.ReviewerError as exc:
            rejected[rel] = str(exc).removeprefix(f"{path}: ")
    assert rejected == rejected_table()


@pytest.mark.parametrize("rel", params(other_files(), "peers-absent"))
def test_expected_output_files_never_crash(rel: str | None,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The peers' expected outputs are no input, but reading one by mistake
    must end as cleanly: parsed, or one line."""
    if rel is None:
        pytest.skip(f"{PEERS} is absent (../shared is not beside the checkout)")
    code, _out, err = run_cli(["revisions", str(PEERS / rel)], capsys)
    assert_clean_exit(code, err, (0, 2))


SUBPROCESS = ["git/t5100/sample.mbox", "patchwork/fuzz/codec-null.mbox",
              "patchwork/fuzz/year-out-of-range.mbox",
              "patchwork/mail/0015-with-invalid-utf8-headers.mbox",
              "b4/samples/gitdir.bundle", "git/t5100/nul-b64.in"]


@pytest.mark.parametrize("rel", SUBPROCESS)
@pytest.mark.parametrize("command", ["revisions", "check"])
def test_fixture_in_a_real_process(rel: str, command: str, tmp_path: Path) -> None:
    """The same, as a real `reviewer` process: a traceback would show here."""
    path = need(PEERS / rel)
    proc = run_sub([command, str(path)], env={"REVIEWER_CACHE": str(tmp_path / "c.sqlite3")})
    err = proc.stderr.decode("utf-8", "replace")
    assert_clean_exit(proc.returncode, err)
    assert rejected_table().get(rel) == (rejection(err, path) if proc.returncode == 2 else None)


def test_subject_cleanup_as_git_mailinfo() -> None:
    """git t5100's inline cases: bracketed prefixes go; odd From headers."""
    need(ORACLES)
    assert parse_subject("[PATCH] [other] [PATCH] message").summary == "message"
    cases = {"Real Name <user@example.com>": ("Real Name", "user@example.com"),
             'bob "unterminated string smith <bob@example.com>':
                 ("bob unterminated string smith", "bob@example.com"),
             "bob (unterminated comment smith <bob@example.com>":
                 ("bob (unterminated comment smith", "bob@example.com")}
    for value, (name, addr) in cases.items():
        raw = (f"From: {value}\nSubject:    extra spaces\nMessage-ID: <x@y>\n\nbody\n").encode()
        msg = reviewer.mail.message.to_message(_parsed(raw), raw)
        assert msg.subject.summary == "extra spaces"
        assert (msg.sender.name, msg.sender.email) == (name, addr)


def _parsed(raw: bytes) -> email.message.EmailMessage:
    from reviewer.mail.message import parse_bytes

    return parse_bytes(raw)


# -- patchwork's bare diffs, wrapped in mails as patchwork's tests do ---------------

def _wrap(diff: str, how: str) -> bytes:
    comment = "test comment\n"
    if how == "inline":
        msg: email.message.Message = MIMEText(comment + "\n" + diff, "plain", "utf-8")
    elif how == "no-charset":
        msg = email.message.Message()
        msg.set_payload((comment + "\n" + diff).encode().decode("ascii", "replace"))
        msg["Content-Type"] = "text/plain"
    elif how in ("x-patch", "x-diff"):
        msg = MIMEMultipart()
        msg.attach(MIMEText(comment, "plain", "utf-8"))
        part = MIMEText(diff, how, "utf-8")
        part["Content-Disposition"] = 'attachment; filename="p.patch"'
        msg.attach(part)
    elif how == "signature":
        msg = MIMEText(comment + "\n" + diff + "-- \nsig\n", "plain", "utf-8")
    elif how == "list-footer":
        footer = "_" * 47 + "\nLinuxppc-dev mailing list\nLinuxppc-dev@lists.ozlabs.org\n"
        msg = MIMEText(comment + "\n" + diff + footer, "plain", "utf-8")
    else:  # "update": a changelog under ---
        msg = MIMEText(comment + "---\nUpdate: fixed it\n\n" + diff, "plain", "utf-8")
    msg["From"] = "Ann Author <ann@example.org>"
    msg["Subject"] = "[PATCH] test: wrapped"
    msg["Message-ID"] = f"<wrapped-{how}@example.org>"
    msg["Date"] = email.utils.formatdate(0)
    return msg.as_bytes()


@pytest.mark.parametrize("name", ["0001-add-line.patch", "0002-utf-8.patch"])
@pytest.mark.parametrize("how", ["inline", "no-charset", "x-patch", "x-diff", "signature",
                                 "list-footer", "update"])
def test_wrapped_bare_diff(name: str, how: str, tmp_path: Path) -> None:
    """patchwork InlinePatchTest & co: the diff that comes back is the file."""
    diff = need(PEERS / "patchwork/patches" / name).read_text(encoding="utf-8")
    if how == "no-charset" and not diff.isascii():
        pytest.skip("a non-ASCII diff cannot travel without a charset")
    mbox = tmp_path / "wrapped.eml"
    mbox.write_bytes(_wrap(diff, how))
    (patch,) = all_patches(mbox)
    assert patch.diff.rstrip("\n") + "\n" == diff  # we keep no final newline
    assert patch.commit_message.strip() == "test comment"


# -- apply where a peer gives a tree: b4's gitdir.bundle ---------------------------

B4_MASTER = "f435c12df7c0ecf20ab8937859e63cddffacabb4"


@pytest.fixture(scope="module")
def b4_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """b4's test repository: `git clone --branch master gitdir.bundle`."""
    bundle = need(PEERS / SAMPLES / "gitdir.bundle")
    repo = tmp_path_factory.mktemp("b4") / "gitdir"
    subprocess.run(["git", "clone", "-q", "--branch", "master", str(bundle), str(repo)],
                   env={**GIT_ENV, "PATH": __import__("os").environ["PATH"]}, check=True)
    assert git(repo, "rev-parse", "HEAD").strip() == B4_MASTER
    return repo


def _verify(name: str) -> list[dict[str, str]]:
    """A b4 .verify file (`git log --format=%ae%n%ce%n%s%n%b---`), newest first."""
    out = []
    for block in (PEERS / SAMPLES / name).read_text().split("---\n"):
        if not block.strip():
            continue
        ae, _ce, subject, body = (block.split("\n", 3) + [""])[:4]
        out.append({"ae": ae, "s": subject, "b": body.strip("\n")})
    return out


def _log(repo: Path, rev_range: str) -> list[dict[str, str]]:
    text = git(repo, "log", "--format=%ae%n%s%n%b%x00", rev_range)
    out = []
    for block in text.split("\x00\n"):
        if not block.strip():
            continue
        ae, subject, body = (block.split("\n", 2) + [""])[:3]
        body = re.sub(r"\n*Message-Id: <[^>]+>\n*$", "", body.strip("\n"))
        out.append({"ae": ae, "s": subject, "b": body.strip("\n")})
    return out


@pytest.mark.parametrize("mbox, verify", [
    ("shazam-git1-just-series.mbox", "shazam-git1-just-series-defaults.verify"),
    ("shazam-git1-with-link.mbox", "shazam-git1-just-series-addlink.verify"),
    ("trailers-thread-with-followups.mbox", "shazam-git1-just-series-defaults.verify"),
    ("trailers-thread-with-cover-followup.mbox", "shazam-git1-just-series-defaults.verify"),
])
def test_b4_shazam_apply(b4_tree: Path, mbox: str, verify: str, tmpdir_env: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    """`reviewer apply` of b4's shazam mboxes on b4's tree: 4 commits whose
    authors, subjects and messages are b4's (.verify; b4's committer is its
    test identity, ours is `reviewer`; we add a Message-Id trailer)."""
    before = user_state(b4_tree)
    code, out, err = run_cli(["apply", str(PEERS / SAMPLES / mbox), "--tree", str(b4_tree),
                              "--json"], capsys)
    assert code == 0, err
    (series,) = json.loads(out)["series"]
    (rev,) = series["revisions"]
    assert rev["base"]["commit"] == B4_MASTER
    assert [p["status"] for p in rev["patches"]] == ["applied"] * 4
    got, want = _log(b4_tree, f"{B4_MASTER}..{rev['ref']}"), _verify(verify)
    assert [(c["ae"], c["s"]) for c in got] == [(c["ae"], c["s"]) for c in want]
    if "followup" not in mbox:  # b4 shazam adds follow-up trailers; we do not
        assert [c["b"] for c in got] == [c["b"] for c in want]
    assert user_state(b4_tree) == before and not leftovers(tmpdir_env)
    ccode, cout, cerr = run_cli(["check", str(PEERS / SAMPLES / mbox), "--tree", str(b4_tree),
                                 "--format", "json"], capsys)
    assert_clean_exit(ccode, cerr, (0, 1))
    assert user_state(b4_tree) == before and not leftovers(tmpdir_env)


def test_b4_tripledash_bundle_is_the_same_tree(b4_tree: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """trailers-with-tripledash.bundle holds the same 4 patches applied by b4
    (messages with `---` in them): our applied tree is the same tree."""
    bundle = need(PEERS / SAMPLES / "trailers-with-tripledash.bundle")
    git(b4_tree, "fetch", "-q", str(bundle), "HEAD")
    theirs = git(b4_tree, "rev-parse", "FETCH_HEAD^{tree}").strip()
    code, out, err = run_cli(["apply", str(PEERS / SAMPLES / "trailers-thread-with-followups.mbox"),
                              "--tree", str(b4_tree), "--json"], capsys)
    assert code == 0, err
    ref = json.loads(out)["series"][0]["revisions"][0]["ref"]
    assert git(b4_tree, "rev-parse", f"{ref}^{{tree}}").strip() == theirs
    # The bundle's messages keep their "---" lines: its subjects are ours too.
    assert [c["s"] for c in _log(b4_tree, f"{B4_MASTER}..FETCH_HEAD")] == \
        [c["s"] for c in _log(b4_tree, f"{B4_MASTER}..{ref}")]

