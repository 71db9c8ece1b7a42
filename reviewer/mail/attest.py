"""Attestation: which signatures a patch mail carries and whether they hold.

Two kinds, as b4 checks them (`LoreMessage.attestors`):
- patatt (`X-Developer-Signature`): the author's own key, looked up in the
  keyrings b4 uses (`b4.keyringsrc`, else `patatt.keyringsrc`, else b4's
  defaults, plus b4's and patatt's local keyring directories) or, for
  OpenPGP, the user's GnuPG keyring.  Checked locally, never fetched.
- DKIM (`DKIM-Signature`): the sending domain's key, published in DNS.
  Checked only with a DNS lookup function given (`system_dns()`); without
  one it is "not checked", with the reason the caller gives.

A signature counts for the mail when its identity is the sender (the From
address for patatt, its domain for DKIM).  Unsigned is information, a bad
signature a warning (`Attestation.severity`).
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import email.utils
import functools
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import dkim
import dkim.util
import dns.rdatatype
import dns.resolver
import patatt

from reviewer.errors import TreeError
from reviewer.model import AttestMethod, AttestStatus, Message, Revision, Severity
from reviewer.tree.gitrepo import GitRepo, config_values, toplevel

__all__ = ["Attestation", "Signature", "TxtLookup", "attest", "attest_revision",
           "keyring_sources", "system_dns"]

# patatt and dkimpy log what they find; we report it ourselves.
logging.getLogger("patatt").setLevel(logging.CRITICAL + 1)
logging.getLogger("dkimpy").setLevel(logging.CRITICAL + 1)

# dkimpy's `dnsfunc`: a DNS name (bytes) → its TXT record, None when there
# is none; raises on a failed lookup.
TxtLookup = Callable[..., bytes | None]

# b4's keyring sources when none is configured (b4.LoreMessage._load_patatt_attestors).
_B4_DEFAULT_SOURCES = ("ref:::.keys", "ref:::.local-keys", "ref::refs/meta/keyring:")


@dataclass(frozen=True)
class Signature:
    method: AttestMethod
    status: AttestStatus
    identity: str  # patatt: the signer's address; DKIM: the signing domain
    algorithm: str  # ed25519, openpgp, openssh; DKIM: e.g. rsa-sha256
    matches_sender: bool  # the identity is the From address (patatt) or its domain (DKIM)
    detail: str  # one line: the key used, or why it is not valid or not checked


@dataclass(frozen=True)
class Attestation:
    """The signatures one mail carries and what could be checked of them."""

    msgid: str
    signatures: tuple[Signature, ...]

    @property
    def status(self) -> AttestStatus:
        """VALID when a signature of the sender verifies (as b4 passes a
        mail); otherwise the worst there is: BAD, a valid signature of
        someone else, NO_KEY, NOT_CHECKED, UNSIGNED."""
        if any(s.status is AttestStatus.VALID and s.matches_sender for s in self.signatures):
            return AttestStatus.VALID
        return max((s.status for s in self.signatures), key=lambda st: st.rank,
                   default=AttestStatus.UNSIGNED)

    @property
    def severity(self) -> Severity | None:
        """A bad signature is a warning; unsigned or unverifiable is information."""
        status = self.status
        if status is AttestStatus.BAD:
            return Severity.WARNING
        return None if status is AttestStatus.VALID else Severity.INFO

    @property
    def summary(self) -> str:
        """One line, e.g. `patatt openpgp konstantin@linuxfoundation.org: no-key`."""
        if not self.signatures:
            return "unsigned"
        return "; ".join(f"{s.method.value} {s.algorithm} {s.identity}: {s.status.value}"
                         + ("" if s.matches_sender else " (not the sender)")
                         for s in self.signatures)


def keyring_sources(cwd: Path | None = None) -> list[str]:
    """Where patatt public keys are looked up, as b4 does: `b4.keyringsrc`,
    else `patatt.keyringsrc`, else b4's defaults; then b4's and patatt's
    own keyring directories.  Git config as read in `cwd`.  A `ref:` source
    whose repository has no such path is left out: patatt would run git
    several times per mail to find that out."""
    sources = (config_values("b4.keyringsrc", cwd) or config_values("patatt.keyringsrc", cwd)
               or list(_B4_DEFAULT_SOURCES))
    sources = [s for s in sources if _may_hold_keys(s, cwd)]
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    for local in (data / "b4" / "keyring", data / "patatt" / "public"):
        if str(local) not in sources:
            sources.append(str(local))
    return sources


def _may_hold_keys(source: str, cwd: Path | None) -> bool:
    """False for a `ref:REPO:REF:PATH` source (patatt's syntax) whose
    repository has PATH neither at REF (HEAD when empty) nor on disk."""
    parts = source.split(":", 4)
    if parts[0] != "ref" or len(parts) < 4:
        return True  # a directory, or a form patatt will reject itself
    top = Path(os.path.expandvars(parts[1])).expanduser() if parts[1] else toplevel(cwd)
    if top is None:
        return False
    try:
        repo = GitRepo(top)
    except TreeError:
        return False
    on_disk = bool(parts[3]) and (top / parts[3]).exists()  # patatt reads uncommitted keys too
    return on_disk or repo.has_object(f"{parts[2] or 'HEAD'}:{parts[3]}")


def system_dns(timeout: float = 5.0) -> TxtLookup:
    """The system resolver, each name looked up once per process (the
    patches of a series share their selector).  Unlike dkimpy's own lookup
    it tells "no such record" (None) from "no answer" (raises), so an
    unreachable DNS is "not checked", not "no key"."""

    @functools.lru_cache(maxsize=256)
    def lookup(name: bytes, timeout: float = timeout) -> bytes | None:
        try:
            answer = dns.resolver.resolve(name.decode("ascii"), "TXT", lifetime=timeout,
                                          raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(next(iter(rrset.items)).strings)
        return None

    return lookup


def _senders(headers: email.message.Message, message: Message) -> set[str]:
    """The From address, and X-Original-From (a list that rewrote From) as
    b4 accepts it."""
    found = {message.sender.email.lower()}
    for value in headers.get_all("X-Original-From", []):
        found.update(addr.lower() for _n, addr in email.utils.getaddresses([str(value)]) if addr)
    return found


_PATATT_STATUS = {patatt.RES_VALID: AttestStatus.VALID, patatt.RES_NOKEY: AttestStatus.NO_KEY,
                  patatt.RES_ERROR: AttestStatus.BAD, patatt.RES_BADSIG: AttestStatus.BAD}


def _patatt(raw: bytes, senders: set[str], sources: list[str]) -> list[Signature]:
    try:
        found = patatt.validate_message(raw, sources)
        trimmed = False
        if any(r[0] == patatt.RES_BADSIG for r in found):
            # A list may append a footer: the signature's l= says how much
            # of the body it covers (b4 retries the same way; without a key
            # the retry could not succeed).
            retry = patatt.validate_message(raw, sources, trim_body=True)
            if any(r[0] == patatt.RES_VALID for r in retry):
                found, trimmed = retry, True
    except OSError as exc:  # gpg or git not installed
        return [Signature(AttestMethod.PATATT, AttestStatus.NOT_CHECKED, "", "", False,
                          f"cannot run the verifier: {exc}")]
    except Exception as exc:  # noqa: BLE001 - patatt raises several kinds on a malformed header
        if isinstance(exc.__cause__, ImportError):  # e.g. PyNaCl for ed25519
            return [Signature(AttestMethod.PATATT, AttestStatus.NOT_CHECKED, "", "", False,
                              f"cannot verify: {exc}")]
        return [Signature(AttestMethod.PATATT, AttestStatus.BAD, "", "", False,
                          f"unreadable X-Developer-Signature: {exc}")]
    out = []
    for result, identity, _when, keysrc, algo, errors in found:
        if result == patatt.RES_NOSIG:
            continue
        status = _PATATT_STATUS.get(result, AttestStatus.BAD)
        if status is AttestStatus.VALID:
            detail = f"key: {keysrc}" if keysrc else "key: the GnuPG keyring"
            if trimmed:
                detail += "; the signature covers the body only up to its l= length"
        else:
            detail = "; ".join(errors) or status.value
        out.append(Signature(AttestMethod.PATATT, status, identity or "", algo or "",
                             (identity or "").lower() in senders, detail))
    return out


def _dkim_headers(raw: bytes) -> list[bytes]:
    try:
        headers = dkim.DKIM(raw).headers
    except Exception:  # noqa: BLE001 - an unparsable header block carries nothing we can check
        return []
    return [value for name, value in headers if name.lower() == b"dkim-signature"]


def _dkim_one(raw: bytes, idx: int, value: bytes, senders: set[str], dns: TxtLookup | None,
              no_dns: str) -> Signature:
    try:
        tags = dkim.util.parse_tag_value(value)
    except Exception:  # noqa: BLE001 - dkim.util.InvalidTagValueList and friends
        return Signature(AttestMethod.DKIM, AttestStatus.BAD, "", "", False,
                         "unreadable DKIM-Signature header")
    domain = tags.get(b"d", b"").decode("ascii", "replace").lower()
    algo = tags.get(b"a", b"").decode("ascii", "replace")
    mine = any(addr.endswith("@" + domain) for addr in senders) if domain else False

    def sig(status: AttestStatus, detail: str) -> Signature:
        return Signature(AttestMethod.DKIM, status, domain, algo, mine, detail)

    name = tags.get(b"s", b"") + b"._domainkey." + tags.get(b"d", b"") + b"."
    if dns is None:
        return sig(AttestStatus.NOT_CHECKED, f"the key is in DNS ({no_dns})")
    seen: dict[str, object] = {}

    def lookup(qname: bytes, timeout: float = 5.0) -> bytes | None:
        try:
            seen["txt"] = dns(qname, timeout=timeout)
        except Exception as exc:
            seen["error"] = exc
            raise dkim.DnsTimeoutError(str(exc)) from exc
        return seen["txt"]  # type: ignore[return-value]

    try:
        ok = dkim.DKIM(raw).verify(idx=idx, dnsfunc=lookup)
    except dkim.ValidationError as exc:  # e.g. "body hash mismatch"
        return sig(AttestStatus.BAD, str(exc))
    except dkim.DKIMException as exc:
        return sig(AttestStatus.BAD, f"unusable signature: {exc}")
    except Exception as exc:  # noqa: BLE001 - not a verdict on the mail
        return sig(AttestStatus.NOT_CHECKED, f"cannot verify: {exc.__class__.__name__}: {exc}")
    if ok:
        return sig(AttestStatus.VALID, f"key: DNS {name.decode('ascii', 'replace')}")
    if "error" in seen:
        return sig(AttestStatus.NOT_CHECKED, f"DNS lookup failed: {seen['error']}")
    if seen.get("txt") is None:
        return sig(AttestStatus.NO_KEY, f"no key published at {name.decode('ascii', 'replace')}")
    try:
        dkim.evaluate_pk(name, seen["txt"])
    except Exception:  # noqa: BLE001 - dkim.KeyFormatError, binascii.Error
        return sig(AttestStatus.NO_KEY, f"unusable key record at {name.decode('ascii', 'replace')}")
    return sig(AttestStatus.BAD, "the signature does not verify")


def attest(message: Message, sources: Sequence[str], *, dns: TxtLookup | None = None,
           no_dns: str = "offline") -> Attestation:
    """The signatures of one mail, checked.  `sources`: patatt keyrings
    (`keyring_sources`); `dns`: a TXT lookup for DKIM keys, or None to
    leave DKIM not checked because of `no_dns`."""
    raw = message.raw
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    senders = _senders(headers, message)
    sigs = _patatt(raw, senders, list(sources)) if "X-Developer-Signature" in headers else []
    for idx, value in enumerate(_dkim_headers(raw)):
        sigs.append(_dkim_one(raw, idx, value, senders, dns, no_dns))
    return Attestation(message.msgid, tuple(sigs))


def attest_revision(revision: Revision, sources: Sequence[str], *, dns: TxtLookup | None = None,
                    no_dns: str = "offline") -> dict[int, Attestation]:
    """Patch index → its attestation; 0 is the cover letter, when there is one."""
    mails = ([(0, revision.cover)] if revision.cover else []) + [
        (p.index, p.message) for p in revision.patches]
    return {k: attest(m, sources, dns=dns, no_dns=no_dns) for k, m in mails}
