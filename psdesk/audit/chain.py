"""Pure hashing of audit rows (no Django imports).

Two schemes, recorded per row in `AuditEvent.scheme`:
- 1 (`PLAIN`): `sha256(prev_hash + canonical JSON)`, the rows written before keyed hashing; anyone
  with database access can recompute them, so they are trusted only up to the first keyed row,
  whose MAC covers their last hash.
- 2 (`KEYED`): `HMAC-SHA256(key, prev_hash + canonical JSON)` with the audit key from the
  environment (`PSDESK_AUDIT_KEY`), which the database never holds: a database administrator who
  edits a row cannot recompute the hashes after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

GENESIS = "0" * 64
PLAIN = 1
KEYED = 2


def canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def row_hash(prev_hash: str, content: dict[str, Any], *, scheme: int = PLAIN, key: bytes = b"") -> str:
    """The hash a row of `scheme` must carry. KEYED needs the audit key."""
    message = (prev_hash + canonical(content)).encode()
    if scheme == KEYED:
        if not key:
            raise ValueError("the keyed audit scheme needs a key")
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    if scheme == PLAIN:
        return hashlib.sha256(message).hexdigest()
    raise ValueError(f"unknown audit hash scheme {scheme}")


def hashes_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
