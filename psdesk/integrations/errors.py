"""The one exception adapters raise."""

from __future__ import annotations


class IntegrationError(Exception):
    """A failed call to an external system.

    permanent=True: retrying cannot help (4xx, bad credentials, rejected payload) → park for a human.
    permanent=False: try again later (connection refused, timeout, 5xx, 429); `retry_after` seconds
    is the target's own instruction (HTTP Retry-After) and overrides the backoff.
    throttled=True: the target refused for rate (HTTP 429); the outbox pauses the target for
    `retry_after` seconds and the call costs the message no attempt.
    """

    def __init__(
        self, message: str, *, permanent: bool, retry_after: float | None = None, throttled: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.throttled = throttled


def error_from_status(status: int, text: str, retry_after: str | None = None, *, vendor: str = "") -> IntegrationError:
    """Map an HTTP failure to an IntegrationError (429/5xx/408 transient, other 4xx permanent)."""
    prefix = f"{vendor} " if vendor else ""
    msg = f"{prefix}HTTP {status}: {text[:500]}"
    if status == 429:
        return IntegrationError(msg, permanent=False, retry_after=parse_retry_after(retry_after), throttled=True)
    if status >= 500 or status == 408:
        return IntegrationError(msg, permanent=False, retry_after=parse_retry_after(retry_after))
    return IntegrationError(msg, permanent=True)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form; HTTP dates fall back to None)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
