"""Attestation: patatt signatures checked against local keyrings, DKIM
against a DNS lookup the test provides (the autouse `no_dns` fixture fails
any real query), shown in `reviewer revisions` and its JSON."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from helpers import PEERS, need
from mailfactory import ed25519_key, mail, patatt_sign

import reviewer
from reviewer.cli import main
from reviewer.mail.attest import Attestation, attest, attest_revision, keyring_sources
from reviewer.model import AttestMethod, AttestStatus, Severity

SHAZAM = PEERS / "b4" / "samples" / "shazam-git1-just-series.mbox"
AUTHOR = "lin@example.org"


def _one(raw: bytes, tmp_path: Path, name: str = "m.eml") -> reviewer.Message:
    path = tmp_path / name
    path.write_bytes(raw)
    return reviewer.load(path).messages[0]


def _patch_mail(**kw: str) -> bytes:
    return mail("[PATCH] ovl: set err", msgid="p1@example.org", **kw).encode()


# -- patatt --------------------------------------------------------------
def test_peer_patatt_samples_are_signed_but_the_key_is_not_here(
        capsys: pytest.CaptureFixture[str]) -> None:
    opened = reviewer.open_source(need(SHAZAM))
    rev = opened.series[0].revisions[0]
    found = attest_revision(rev, keyring_sources())
    assert sorted(found) == [0, 1, 2, 3, 4]  # the cover and four patches
    for att in found.values():
        assert att.status is AttestStatus.NO_KEY and att.severity is Severity.INFO
        (sig,) = att.signatures
        assert (sig.method, sig.algorithm, sig.identity, sig.matches_sender) == (
            AttestMethod.PATATT, "openpgp", "konstantin@linuxfoundation.org", True)
        assert "no matching openpgp key" in sig.detail

    assert main(["revisions", str(SHAZAM), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["series"][0]["revisions"][0]
    assert data["cover_attestation"]["status"] == "no-key"
    assert [p["attestation"]["status"] for p in data["patches"]] == ["no-key"] * 4
    assert data["patches"][0]["attestation"]["signatures"][0]["method"] == "patatt"

    assert main(["revisions", str(SHAZAM)]) == 0
    assert "no-key 4/4 (patatt)" in capsys.readouterr().out


def test_unsigned_mail_is_information(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    att = attest(_one(_patch_mail(), tmp_path), [])
    assert att == Attestation("p1@example.org", ())
    assert (att.status, att.severity, att.summary) == (AttestStatus.UNSIGNED, Severity.INFO,
                                                       "unsigned")
    assert main(["revisions", str(tmp_path / "m.eml"), "--json"]) == 0
    patch = json.loads(capsys.readouterr().out)["series"][0]["revisions"][0]["patches"][0]
    assert patch["attestation"] == {"status": "unsigned", "signatures": []}


def test_patatt_ed25519_valid_then_bad_when_the_patch_changes(
        tmp_path: Path, isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = ed25519_key(isolated_env / ".local/share", AUTHOR)
    signed = patatt_sign(_patch_mail(), key, AUTHOR)

    good = attest(_one(signed, tmp_path, "good.eml"), keyring_sources())
    assert good.status is AttestStatus.VALID and good.severity is None
    assert good.signatures[0].detail.startswith("key: ") and "ed25519" in good.signatures[0].detail

    forged = signed.replace(b"+\terr = 0;", b"+\terr = 1;")
    assert forged != signed
    bad = attest(_one(forged, tmp_path, "bad.eml"), keyring_sources())
    assert bad.status is AttestStatus.BAD and bad.severity is Severity.WARNING
    assert main(["revisions", str(tmp_path / "bad.eml")]) == 0
    out = capsys.readouterr().out
    assert "bad 1/1 (patatt)" in out and "v1 1/1: bad patatt signature (lin@example.org)" in out


def test_keys_kept_in_a_repository_ref_as_b4_configures_them(
        tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`b4.keyringsrc = ref:::.keys`: the key committed under .keys in the
    repository of the current directory; a source naming a path the
    repository lacks is dropped (patatt would run git per mail for it)."""
    from core.gitutil import init_repo

    keys = tmp_path / "keys-home"
    key = ed25519_key(keys, AUTHOR)
    pub = next((keys / "patatt" / "public").rglob("default"))
    repo = tmp_path / "repo"
    init_repo(repo, {".keys/ed25519/example.org/lin/default": pub.read_text()})
    (isolated_env / ".gitconfig").write_text(
        (isolated_env / ".gitconfig").read_text()
        + "[b4]\n\tkeyringsrc = ref:::.keys\n\tkeyringsrc = ref::refs/meta/keyring:\n")
    monkeypatch.chdir(repo)
    sources = keyring_sources()
    assert sources[0] == "ref:::.keys" and "ref::refs/meta/keyring:" not in sources
    att = attest(_one(patatt_sign(_patch_mail(), key, AUTHOR), tmp_path), sources)
    assert att.status is AttestStatus.VALID
    detail = att.signatures[0].detail
    assert detail.startswith("key: ref:") and ".keys/ed25519/example.org/lin/default" in detail
    monkeypatch.chdir(tmp_path)  # not a repository: no ref source at all
    assert not [s for s in keyring_sources() if s.startswith("ref:")]


def test_patatt_signature_of_someone_else_does_not_vouch_for_the_sender(
        tmp_path: Path, isolated_env: Path) -> None:
    other = "relay@example.net"
    key = ed25519_key(isolated_env / ".local/share", other)
    att = attest(_one(patatt_sign(_patch_mail(), key, other), tmp_path), keyring_sources())
    (sig,) = att.signatures
    assert sig.status is AttestStatus.VALID and not sig.matches_sender
    assert att.status is AttestStatus.VALID and "(not the sender)" in att.summary


# -- DKIM ----------------------------------------------------------------
def _dkim_signed(raw: bytes) -> tuple[bytes, bytes]:
    """`raw` signed for example.org, and the TXT record of its key."""
    crypto = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    import dkim
    from cryptography.hazmat.primitives import serialization

    key = crypto.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    header = dkim.sign(raw, b"sel", b"example.org", pem,
                       include_headers=[b"from", b"subject", b"date", b"message-id"])
    return header + raw, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_dkim_checked_only_through_the_given_lookup(tmp_path: Path) -> None:
    signed, record = _dkim_signed(_patch_mail())
    msg = _one(signed, tmp_path)
    asked: list[bytes] = []

    def dns(name: bytes, timeout: float = 5) -> bytes | None:
        asked.append(name)
        return record if name == b"sel._domainkey.example.org." else None

    assert attest(msg, [], dns=dns).status is AttestStatus.VALID
    assert asked == [b"sel._domainkey.example.org."]

    offline = attest(msg, [], no_dns="offline")
    assert offline.status is AttestStatus.NOT_CHECKED and offline.severity is Severity.INFO
    assert offline.signatures[0].detail == "the key is in DNS (offline)"

    forged = _one(signed.replace(b"err = 0", b"err = 1"), tmp_path, "forged.eml")
    bad = attest(forged, [], dns=dns)
    assert bad.status is AttestStatus.BAD and "body hash mismatch" in bad.signatures[0].detail

    gone = attest(msg, [], dns=lambda name, timeout=5: None)
    assert gone.status is AttestStatus.NO_KEY

    def unreachable(name: bytes, timeout: float = 5) -> bytes | None:
        raise TimeoutError("no answer")

    failed = attest(msg, [], dns=unreachable)
    assert failed.status is AttestStatus.NOT_CHECKED
    assert failed.signatures[0].detail == "DNS lookup failed: no answer"


def test_dkim_of_another_domain_is_not_the_sender(tmp_path: Path) -> None:
    signed, record = _dkim_signed(_patch_mail(sender="Lin Author <lin@elsewhere.org>"))
    att = attest(_one(signed, tmp_path), [], dns=lambda name, timeout=5: record)
    assert att.signatures[0].status is AttestStatus.VALID
    assert not att.signatures[0].matches_sender


def test_revisions_never_looks_dkim_up_unless_asked_and_online(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    signed, record = _dkim_signed(_patch_mail())
    (tmp_path / "m.eml").write_bytes(signed)
    asked: list[bytes] = []

    def dns(name: bytes, timeout: float = 5) -> bytes | None:
        asked.append(name)
        return record

    monkeypatch.setattr("reviewer.mail.attest.system_dns", lambda: dns)

    def status(*argv: str) -> tuple[str, str]:
        assert main([*argv]) == 0
        data = json.loads(capsys.readouterr().out)
        sig = data["series"][0]["revisions"][0]["patches"][0]["attestation"]["signatures"][0]
        return sig["status"], sig["detail"]

    src = str(tmp_path / "m.eml")
    assert status("revisions", src, "--json") == (
        "not-checked", "the key is in DNS (not looked up: --dkim)")
    assert status("--offline", "revisions", src, "--json", "--dkim") == (
        "not-checked", "the key is in DNS (offline)")
    assert asked == []
    assert status("revisions", src, "--json", "--dkim")[0] == "valid"
    assert asked == [b"sel._domainkey.example.org."]
