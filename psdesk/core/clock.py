"""One injectable clock. Every piece of code asks `clock.now()`; tests freeze it.

with clock.frozen(datetime(2026, 11, 27, 16, tzinfo=UTC)):
    ...
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

_provider: Callable[[], datetime] | None = None
_lock = threading.Lock()


def now() -> datetime:
    """The current aware datetime (UTC) unless a test froze the clock."""
    if _provider is not None:
        return _provider()
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def set_provider(provider: Callable[[], datetime] | None) -> None:
    global _provider
    with _lock:
        _provider = provider


class FrozenClock:
    """A clock that stands still until moved with `advance()` or `set()`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the clock only holds aware datetimes")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.at = self.at + (delta or timedelta(**kwargs))
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the clock only holds aware datetimes")
        self.at = at


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    previous = _provider
    fc = FrozenClock(at)
    set_provider(fc)
    try:
        yield fc
    finally:
        set_provider(previous)
