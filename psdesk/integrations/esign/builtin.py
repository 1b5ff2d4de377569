"""The built-in e-signature: signing links as `django.core.signing` tokens, the seal as a PAdES
signature made with pyHanko from the vendor's key and certificate (PEM files).

Key and certificate: `PSDESK_ESIGN_KEY_FILE` / `PSDESK_ESIGN_CERT_FILE` (settings, from the
environment). In development `dev_keypair_ensure()` (called by the demo and `make run`) writes a
self-signed pair under var/esign/ — never committed. For a real seal, point both settings at the
vendor's document-signing key and certificate (and `PSDESK_ESIGN_CHAIN_FILE` at its CA chain,
used as the trust root by `verify`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing

from psdesk.core import clock
from psdesk.integrations.esign.port import LinkClaims, LinkExpired, LinkInvalid, SealVerdict, SigningLink

SALT = "psdesk.esign.link"


def _scoped_salt(scope: str) -> str:
    if not scope or not scope.replace("_", "").isalnum():
        raise ValueError(f"a link scope is a short slug, not {scope!r}")
    return f"{SALT}.{scope}"


def _off_loop[T](fn: Callable[[], T]) -> T:
    """Run `fn` (pyHanko calls asyncio.run inside) in a thread of its own when this thread already
    runs an event loop (an ASGI server, a sync Playwright session); otherwise here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


FIELD = "VendorSeal"


def _paths() -> tuple[Path, Path, Path | None]:
    key = Path(getattr(settings, "PSDESK_ESIGN_KEY_FILE", "") or Path(settings.VAR_DIR) / "esign" / "seal-key.pem")
    cert = Path(getattr(settings, "PSDESK_ESIGN_CERT_FILE", "") or Path(settings.VAR_DIR) / "esign" / "seal-cert.pem")
    chain = getattr(settings, "PSDESK_ESIGN_CHAIN_FILE", "")
    return key, cert, (Path(chain) if chain else None)


def dev_keypair_ensure(*, common_name: str = "PS Desk development seal") -> tuple[Path, Path]:
    """Write a self-signed RSA key and certificate for development when none is configured or present."""
    from cryptography import x509  # noqa: PLC0415 — only key generation needs the X.509 builder
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415 — as above
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415 — as above
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415 — as above

    key_path, cert_path, _ = _paths()
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(tz=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class BuiltinEsign:
    """The EsignPort implemented locally (no vendor service)."""

    def link_issue(self, *, request_id: int, lifetime_seconds: int) -> SigningLink:
        nonce = secrets.token_urlsafe(24)
        expires = clock.now() + dt.timedelta(seconds=lifetime_seconds)
        token = signing.dumps({"r": request_id, "n": nonce, "e": int(expires.timestamp())}, salt=SALT, compress=True)
        return SigningLink(token=token, nonce_sha256=hashlib.sha256(nonce.encode()).hexdigest(), expires_at=expires)

    def link_read(self, token: str) -> LinkClaims:
        return self._read(token, salt=SALT)

    def scoped_link_issue(self, *, scope: str, request_id: int, lifetime_seconds: int) -> SigningLink:
        nonce = secrets.token_urlsafe(24)
        expires = clock.now() + dt.timedelta(seconds=lifetime_seconds)
        token = signing.dumps(
            {"r": request_id, "n": nonce, "e": int(expires.timestamp())}, salt=_scoped_salt(scope), compress=True
        )
        return SigningLink(token=token, nonce_sha256=hashlib.sha256(nonce.encode()).hexdigest(), expires_at=expires)

    def scoped_link_read(self, token: str, *, scope: str) -> LinkClaims:
        return self._read(token, salt=_scoped_salt(scope))

    def _read(self, token: str, *, salt: str) -> LinkClaims:
        try:
            data: Any = signing.loads(token, salt=salt)
        except signing.BadSignature as exc:
            raise LinkInvalid("This signing link is not valid.") from exc
        if not isinstance(data, dict) or not {"r", "n", "e"} <= set(data):
            raise LinkInvalid("This signing link is not valid.")
        if clock.now().timestamp() > float(data["e"]):
            raise LinkExpired("This signing link has expired; ask your contact for a new one.")
        return LinkClaims(request_id=int(data["r"]), nonce_sha256=hashlib.sha256(str(data["n"]).encode()).hexdigest())

    def _signer(self) -> Any:
        from pyhanko.sign import signers  # noqa: PLC0415 — pyHanko (asn1crypto, lxml) loads only to seal

        key, cert, chain = _paths()
        if not key.exists() or not cert.exists():
            dev_keypair_ensure()
        return signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
            str(key), str(cert), ca_chain_files=(str(chain),) if chain else None, key_passphrase=None
        )

    def seal(self, pdf: bytes, *, reason: str, location: str = "") -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: PLC0415 — pyHanko loads only to seal
        from pyhanko.sign import fields, signers  # noqa: PLC0415 — pyHanko loads only to seal

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD, reason=reason, location=location or None, subfilter=fields.SigSeedSubFilter.PADES
        )
        signer = self._signer()
        out = _off_loop(lambda: signers.sign_pdf(writer, meta, signer=signer))
        return bytes(out.getvalue())

    def verify(self, pdf: bytes) -> SealVerdict:
        from asn1crypto import pem, x509  # noqa: PLC0415 — pyHanko's ASN.1 library, only to validate
        from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: PLC0415 — pyHanko loads only to validate
        from pyhanko.sign.validation import validate_pdf_signature  # noqa: PLC0415 — as above
        from pyhanko_certvalidator import ValidationContext  # noqa: PLC0415 — as above

        sha = hashlib.sha256(pdf).hexdigest()
        _, cert_path, chain = _paths()
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            sigs = list(reader.embedded_signatures)
        except Exception as exc:
            return SealVerdict(False, False, False, False, sha256=sha, problems=[f"not a readable PDF: {exc}"])
        if not sigs:
            return SealVerdict(False, False, False, False, sha256=sha, problems=["the PDF carries no seal"])
        roots = []
        for p in (cert_path, chain):
            if p is not None and p.exists():
                for _, _, der in pem.unarmor(p.read_bytes(), multiple=True):
                    roots.append(x509.Certificate.load(der))
        sig = sigs[-1]
        try:
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = _off_loop(lambda: validate_pdf_signature(sig, context))
        except Exception as exc:
            return SealVerdict(
                False, False, False, False, sha256=sha, problems=[f"the seal cannot be validated: {exc}"]
            )
        from pyhanko.sign.validation.status import SignatureCoverageLevel  # noqa: PLC0415 — as above

        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        problems = []
        if not status.intact or not status.valid:
            problems.append("the document was changed after it was sealed")
        if not status.trusted:
            problems.append("the seal's certificate is not the vendor's")
        if not whole:
            problems.append("the seal does not cover the whole file")
        signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
        return SealVerdict(
            ok=not problems,
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            whole_file=whole,
            signer=signer,
            signed_at=status.signer_reported_dt,
            sha256=sha,
            problems=problems,
        )
