"""Absolute links to PS Desk pages for notifications and emails, built from `settings.PSDESK_SITE_URL`
(`make run` sets it from its HOST and PORT).

A target links to its page through its `get_absolute_url()`; models of the apps above this one that
have none are named here by URL name (a string, so this app still imports nothing above it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

# model label → (URL name, attribute giving the URL argument). The engagement is the card.
_PAGES: dict[str, tuple[str, str]] = {
    "engagements.engagement": ("board:detail", "pk"),
    "sows.sow": ("sows:engagement", "engagement_id"),
    "sows.sowversion": ("sows:engagement", "sow.engagement_id"),
    "estimates.estimateversion": ("estimates:engagement", "engagement_id"),
    "crm.opportunity": ("crm:opportunity", "pk"),
    "crm.account": ("crm:account", "pk"),
    "quotes.quote": ("quotes:detail", "pk"),
}


def site_url(path: str) -> str:
    """`path` (starting with "/") as an absolute URL on PSDESK_SITE_URL; "" for an empty path."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    base = str(getattr(settings, "PSDESK_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/{path.lstrip('/')}"


def _attr(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def path_of(target: Any) -> str:
    """The page of `target` (its get_absolute_url, else the page named in `_PAGES`); "" when none."""
    if target is None:
        return ""
    getter = getattr(target, "get_absolute_url", None)
    if callable(getter):
        try:
            return str(getter())
        except (NoReverseMatch, AttributeError, ValueError):
            return ""
    meta = getattr(target, "_meta", None)
    page = _PAGES.get(meta.label_lower) if meta is not None else None
    if page is None:
        return ""
    arg = _attr(target, page[1])
    if arg is None:
        return ""
    try:
        return reverse(page[0], args=[arg])
    except NoReverseMatch:
        return ""


def link_for(target: Any, path: str = "") -> str:
    """The absolute link of a notification about `target`: `path` when the caller names one."""
    return site_url(path or path_of(target))


_SLOT = 987_654_321_987  # a URL argument no row has: marks where the id goes in a reversed URL
_NO_FORMAT = ("", "", "")


class Links:
    """`link_for(target)` for the many targets of one batch: for a model named in `_PAGES` (and
    without its own get_absolute_url) the URL is reversed once per model with a marker argument,
    and each target's link is that URL with its id in the marker's place (reverse() of an int
    argument writes its digits). Anything else (another argument type, a URL the marker does not
    appear in exactly once, or the first target's link not matching `link_for`) takes
    `link_for`. Build one per batch (the script prefix and site URL are read once)."""

    def __init__(self) -> None:
        self._formats: dict[type, tuple[str, str, str]] = {}

    def _format(self, target: Any) -> tuple[str, str, str]:
        model = type(target)
        meta = getattr(target, "_meta", None)
        page = _PAGES.get(meta.label_lower) if meta is not None else None
        found = _NO_FORMAT
        if page is not None and not callable(getattr(target, "get_absolute_url", None)):
            try:
                full = site_url(reverse(page[0], args=[_SLOT]))
            except NoReverseMatch:
                full = ""
            mark = str(_SLOT)
            if full.count(mark) == 1:
                head, tail = full.split(mark)
                found = (page[1], head, tail)
                if self._fast(found, target) not in ("", link_for(target)):
                    found = _NO_FORMAT  # the URL does not write its argument as digits
        self._formats[model] = found
        return found

    @staticmethod
    def _fast(fmt: tuple[str, str, str], target: Any) -> str:
        arg = _attr(target, fmt[0])
        return f"{fmt[1]}{arg}{fmt[2]}" if type(arg) is int and arg >= 0 else ""

    def of(self, target: Any) -> str:
        """Exactly `link_for(target)`."""
        fmt = self._formats.get(type(target)) or self._format(target)
        if fmt is not _NO_FORMAT:
            found = self._fast(fmt, target)
            if found:
                return found
        return link_for(target)
