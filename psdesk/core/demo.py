"""Demo data plumbing: each app may ship `psdesk/<app>/demo.py` with `load(ctx)` (small realistic
set) and `generate(ctx, n)` (bulk, for benchmarks). The commands call them lowest app first."""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.conf import settings


@dataclass
class DemoContext:
    password: str = "psdesk"  # noqa: S105 — the documented demo login, not a secret
    seed: int = 2026
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311 — reproducible demo data
    objects: dict[str, Any] = field(default_factory=dict)
    verbose: bool = True
    log: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.log.append(line)


def demo_modules() -> Iterator[tuple[str, ModuleType]]:
    for app in settings.PSDESK_APPS:
        try:
            module = importlib.import_module(f"psdesk.{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"psdesk.{app}.demo":
                raise
            continue
        yield app, module
