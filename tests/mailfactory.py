"""Build small patch mails for rule tests, signed with patatt when asked."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import reviewer
from reviewer.checks.engine import RevisionReport, check_revision
from reviewer.checks.registry import get_rule
from reviewer.config import Config

DIFF = """\
diff --git a/fs/overlayfs/namei.c b/fs/overlayfs/namei.c
index 1111111..2222222 100644
--- a/fs/overlayfs/namei.c
+++ b/fs/overlayfs/namei.c
@@ -10,3 +10,4 @@ static int ovl_lookup_single(void)
 \tint err;
+\terr = 0;
 \treturn err;
 }
"""


def mail(subject: str, *, msgid: str, body: str = "", sender: str = "Lin Author <lin@example.org>",
         date: str = "Mon, 04 Mar 2024 10:00:00 +0000", in_reply_to: str | None = None,
         to: str = "Ovl List <linux-unionfs@lists.example.org>", cc: str = "",
         signoff: str | None = "Lin Author <lin@example.org>", notes: str = "",
         diff: str | None = DIFF) -> str:
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {date}",
               f"Message-ID: <{msgid}>"]
    if cc:
        headers.append(f"Cc: {cc}")
    if in_reply_to:
        headers += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    text = body or "Explain why the change is needed."
    if signoff:
        text += f"\n\nSigned-off-by: {signoff}"
    if diff is not None:
        text += "\n---\n" + (notes + "\n" if notes else "") + diff
    return "\n".join(headers) + "\n\n" + text + "\n"


def ed25519_key(data_home: Path, identity: str) -> str:
    """A new ed25519 key; its public half where patatt's keyring has it."""
    nacl_signing = pytest.importorskip("nacl.signing")
    key = nacl_signing.SigningKey.generate()
    local, domain = identity.split("@")
    pub = data_home / "patatt" / "public" / "ed25519" / domain / local / "default"
    pub.parent.mkdir(parents=True)
    # with its newline, as keyrings keep them: patatt takes a one-line file
    # holding a '/' (base64 may) for a symlink
    pub.write_bytes(base64.b64encode(key.verify_key.encode()) + b"\n")
    return base64.b64encode(key.encode()).decode()


def patatt_sign(raw: bytes, key: str, identity: str) -> bytes:
    import patatt

    pm = patatt.PatattMessage(raw)
    pm.sign("ed25519", key, identity=identity, selector="default")
    return pm.as_bytes()


def mbox(tmp_path: Path, *mails: str) -> Path:
    path = tmp_path / "t.mbox"
    path.write_text("".join(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m}\n" for m in mails))
    return path


def run_rule(rule_id: str, path: Path, version: int = 1) -> RevisionReport:
    """Run one rule on one revision at diff level."""
    opened = reviewer.open_source(path)
    series, rev = opened.find(f"v{version}")
    return check_revision(series, rev, None, None, Config(), [get_rule(rule_id)])


# --- a one-patch series, replies, and its next revision (compare tests) ------

CODE = """\
diff --git a/fs/demo/file.c b/fs/demo/file.c
index 1111111..2222222 100644
--- a/fs/demo/file.c
+++ b/fs/demo/file.c
@@ -10,3 +10,14 @@ static int demo_open(struct inode *inode)
 \tint err;
+\tstruct demo_ctx *ctx;
+
+\tctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
+\tif (!ctx)
+\t\treturn -ENOMEM;
+\tif (ctx->flags)
+\t\tkfree(ctx->buf);
+\tctx->count = 1 << inode->i_blkbits;
+\terr = demo_setup(ctx);
+\tinode->i_private = ctx;
 \treturn err;
 }
"""
_REPLIES = iter(range(1, 10**6))


def _time(hour: int) -> str:
    """A later time of day on each call (from `hour`), so replies made one
    after another keep their order however many tests made some before."""
    n = next(_REPLIES) % (12 * 3600)
    return f"{hour + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def review(body: str, *, msgid: str = "r1@x", parent: str = "p1@x",
           sender: str = "Rae Viewer <rae@example.org>") -> str:
    """A reply by a reviewer (to v1's patch unless `parent` says otherwise)."""
    return mail("Re: [PATCH] demo: set up a context on open", msgid=msgid, in_reply_to=parent,
                sender=sender, signoff=None, diff=None, body=body,
                date=f"Mon, 04 Mar 2024 {_time(11)} +0000")


def reply(body: str, *, parent: str, msgid: str = "a1@x",
          sender: str = "Lin Author <lin@example.org>") -> str:
    """A reply by the author (unless `sender` says otherwise), a day later."""
    return mail("Re: [PATCH] demo: set up a context on open", msgid=msgid, in_reply_to=parent,
                sender=sender, signoff=None, diff=None, body=body,
                date=f"Tue, 05 Mar 2024 {_time(10)} +0000")


def thread(tmp_path: Path, replies: list[str], v2: str | None, notes: str,
           v1: str = CODE) -> reviewer.Series:
    """v1 (diff `v1`), the replies, and v2 with diff `v2` and `notes` below
    '---' (no v2 when `v2` is None)."""
    mails = [mail("[PATCH] demo: set up a context on open", msgid="p1@x", diff=v1), *replies]
    if v2 is not None:
        mails.append(mail("[PATCH v2] demo: set up a context on open", msgid="p2@x",
                          notes=notes, diff=v2, date="Wed, 06 Mar 2024 10:00:00 +0000"))
    return reviewer.open_source(mbox(tmp_path, *mails)).series[0]
