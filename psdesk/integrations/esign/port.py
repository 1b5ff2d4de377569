"""The e-signature port: what PS Desk needs from a signing service, whatever implements it.

- `link_issue` / `link_read`: a signed, expiring token for an emailed signing link (single use is
  enforced by the caller's record: it stores `nonce_sha256` and marks it used).
- `scoped_link_issue` / `scoped_link_read`: the same for another kind of signing request (change
  orders: scope "change_order"); a token of one scope is invalid in every other.
- `seal`: apply the vendor's PAdES signature to a finished PDF (the executed document).
- `verify`: check a sealed PDF: the signature is intact, made by a trusted certificate and covers
  the whole file.

The built-in implementation (`builtin.BuiltinEsign`) does all of this locally (django.core.signing
tokens, pyHanko with the vendor's key and certificate). A DocuSign adapter would implement the
same Protocol, raising only `IntegrationError(permanent=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class LinkInvalid(Exception):
    """The token was not issued by us (tampered, wrong salt)."""


class LinkExpired(LinkInvalid):
    """The token is genuine but older than its lifetime."""


@dataclass(frozen=True)
class SigningLink:
    token: str
    nonce_sha256: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkClaims:
    request_id: int
    nonce_sha256: str


@dataclass(frozen=True)
class SealVerdict:
    """The result of `verify`: `ok` only when intact, valid, trusted and covering the whole file."""

    ok: bool
    intact: bool
    trusted: bool
    whole_file: bool
    signer: str = ""
    signed_at: datetime | None = None
    sha256: str = ""
    problems: list[str] = field(default_factory=list)


class EsignPort(Protocol):
    def link_issue(self, *, request_id: int, lifetime_seconds: int) -> SigningLink: ...

    def link_read(self, token: str) -> LinkClaims: ...

    def seal(self, pdf: bytes, *, reason: str, location: str = "") -> bytes: ...

    def verify(self, pdf: bytes) -> SealVerdict: ...

    # Links of another kind of signing request (e.g. change orders), in a namespace of their own so
    # one kind's token never names another kind's request. `scope` is a short slug.
    def scoped_link_issue(self, *, scope: str, request_id: int, lifetime_seconds: int) -> SigningLink: ...

    def scoped_link_read(self, token: str, *, scope: str) -> LinkClaims: ...
