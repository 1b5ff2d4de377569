"""Sections that higher apps add to the profile page (e.g. the Slack link), in registration order.
A provider gets the request and the user and returns rendered HTML (`render_to_string`)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.safestring import SafeString

ProfileSection = Callable[[HttpRequest, User], SafeString]
PROFILE_SECTIONS: list[ProfileSection] = []


def profile_section_register(fn: ProfileSection) -> None:
    if fn not in PROFILE_SECTIONS:
        PROFILE_SECTIONS.append(fn)


def profile_sections(request: HttpRequest, user: User) -> list[SafeString]:
    return [fn(request, user) for fn in PROFILE_SECTIONS]
