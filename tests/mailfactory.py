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
