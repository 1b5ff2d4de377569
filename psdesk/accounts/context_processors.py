from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from psdesk.accounts.selectors import user_roles


def psdesk(request: HttpRequest) -> dict[str, Any]:
    """Roles of the user and the navigation: each app may declare `nav = [(label, url_name, perm)]`
    on its AppConfig; an item shows when the user has the permission (or it is None)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "nav_items": []}
    items = []
    for cfg in apps.get_app_configs():
        for label, url_name, perm in getattr(cfg, "nav", ()):
            if perm and not user.has_perm(perm):
                continue
            try:
                items.append({"label": label, "url": reverse(url_name)})
            except NoReverseMatch:
                continue
    unread = apps.get_model("notifications", "Notification").objects.filter(recipient=user, read_at__isnull=True)
    for item in items:
        if item["url"] == reverse("notifications:inbox"):
            item["badge"] = unread.count()
    return {"user_roles": sorted(user_roles(user)), "nav_items": items}
