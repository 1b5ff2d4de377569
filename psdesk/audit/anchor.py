"""The chain head anchored outside the database: an append-only file of JSON lines.

After every committed audit row, `{"chain": <chain id>, "seq": n, "hash": h, "at": iso}` is
appended to `settings.PSDESK_AUDIT_ANCHOR_PATH` (default `var/audit-anchor.jsonl`). A database
administrator who cuts the last rows and rolls the chain head back, or rewrites a row and every
hash after it, cannot change what this file already says. Several processes append to one file:
each line is written with one `write()` on a file opened with O_APPEND, so lines never interleave.
In production put the file where the database's administrators cannot write (another host's
mount, `chattr +a`), or ship it to object storage with the logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from psdesk.core import clock


@dataclass(frozen=True)
class AnchorLine:
    chain: str
    seq: int
    hash: str
    line_no: int


def anchor_path() -> Path:
    return Path(settings.PSDESK_AUDIT_ANCHOR_PATH)


def anchor_append(*, chain: str, seq: int, row_hash: str) -> None:
    """Append one head to the anchor file (creating it and its folder when missing)."""
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"chain": chain, "seq": seq, "hash": row_hash, "at": clock.now().isoformat()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def anchor_lines(*, chain: str) -> Iterator[AnchorLine]:
    """The anchored heads of one chain, in file order. Unreadable lines are skipped by the reader
    and reported by `audit verify` as a count."""
    path = anchor_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("chain") == chain:
                yield AnchorLine(chain=chain, seq=int(data["seq"]), hash=str(data["hash"]), line_no=n)
