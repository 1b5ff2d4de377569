from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from psdesk.accounts.selectors import role_labels

# The shell's own entries, before the apps' (label, url name, permission needed to open the page).
SHELL_NAV: tuple[tuple[str, str, str | None], ...] = (
    ("My work", "my_work", None),
    ("Board", "board:index", "engagements.view_engagement"),
)


def nav_entries() -> list[tuple[str, str, str | None]]:
    """Every navigation entry: the shell's, then each app's `nav` on its AppConfig, in app order.
    The permission is the one the page's view requires, so an entry shows only to people who may
    open it (tests/integration/test_navigation.py opens every entry as every persona)."""
    entries = list(SHELL_NAV)
    for cfg in apps.get_app_configs():
        entries.extend(getattr(cfg, "nav", ()))
    return entries


def psdesk(request: HttpRequest) -> dict[str, Any]:
    """The shell: the user's roles by display name and the navigation entries they may open (the
    notifications inbox with its unread count; the current page marked)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "user_roles": [],
            "nav_items": [],
            "sso_enabled": bool(getattr(settings, "PSDESK_OIDC_ENABLED", False)),
            "sso_provider_name": getattr(settings, "PSDESK_OIDC_PROVIDER_NAME", ""),
        }
    items: list[dict[str, Any]] = []
    for label, url_name, perm in nav_entries():
        if perm and not user.has_perm(perm):
            continue
        try:
            items.append({"label": label, "url": reverse(url_name), "name": url_name})
        except NoReverseMatch:
            continue
    path = request.path
    for item in items:
        url = item["url"]
        item["current"] = path == url if url == "/" else path.startswith(url)
        if item["name"] == "notifications:inbox":
            notification = apps.get_model("notifications", "Notification")
            item["badge"] = notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"user_roles": role_labels(user), "nav_items": items}
