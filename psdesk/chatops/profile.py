"""The Slack section of the profile page: the member(s) linked to this user, with Unlink."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from psdesk.chatops.selectors import slack_links_of


def slack_profile_section(request: HttpRequest, user: User) -> SafeString:
    html = render_to_string("chatops/profile_slack.html", {"links": slack_links_of(user)}, request=request)
    return mark_safe(html)  # noqa: S308 — a rendered, autoescaped template
