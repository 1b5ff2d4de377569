from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def test_the_nav_shows_unread_and_preferences_switch_events_off(people: Any, make_engagement: Any) -> None:
    c = Client()
    c.force_login(people.erin)
    make_engagement()  # engagement.created notifies erin (the EM)
    assert 'aria-label="1 unread"' in c.get("/notifications/").content.decode()
    page = c.get("/notifications/preferences/").content.decode()
    boxes = [part.split('name="')[1].split('"')[0] for part in page.split("<input")[1:] if 'type="checkbox"' in part]
    assert "engagement.created:in_app" in boxes and "engagement.created:email" in boxes
    c.post("/notifications/preferences/", {b: "on" for b in boxes if b != "engagement.created:in_app"})
    pref = NotificationPreference.objects.get(user=people.erin, event="engagement.created", channel="in_app")
    assert pref.enabled is False
    make_engagement()
    assert Notification.objects.filter(recipient=people.erin, event="engagement.created").count() == 1
    page = c.get("/notifications/preferences/").content.decode()
    box = page.split('name="engagement.created:in_app"')[1].split(">")[0]
    assert "checked" not in box  # the page shows the saved choice
