"""Shared port types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Receipt:
    """What a target answered: its id for the thing, and whether it recognised a duplicate."""

    external_id: str = ""
    duplicate: bool = False
