"""The .ics invite of a registration (icalendar), in the attendee's timezone."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText


def registration_ics(reg: Any, *, tz: str | None = None) -> bytes:
    """A VCALENDAR with one VEVENT whose DTSTART/DTEND carry the attendee's TZID (their profile
    timezone, else the session's) and the matching VTIMEZONE. UID is stable per registration so a
    re-download updates the same calendar entry."""
    s = reg.session
    zone = ZoneInfo(tz or attendee_timezone(reg) or s.timezone)
    cal = Calendar()
    cal.add("prodid", "-//PS Desk//Education Services//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ev = Event()
    ev.add("uid", f"training-registration-{reg.pk}@psdesk")
    ev.add("summary", str(s))
    ev.add("dtstart", s.starts_at.astimezone(zone))
    ev.add("dtend", s.ends_at.astimezone(zone))
    ev.add("dtstamp", s.created_at)
    ev.add("location", vText(s.location or s.get_delivery_mode_display()))
    ev.add(
        "description",
        f"{s.course.name} ({s.course.code}). Instructor: {s.instructor.name if s.instructor else 'to be confirmed'}.",
    )
    if s.instructor is not None:
        organizer = vCalAddress(f"mailto:{s.instructor.email}")
        organizer.params["cn"] = vText(s.instructor.name)
        ev["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{reg.user.email}")
    attendee.params["cn"] = vText(reg.user.get_full_name() or reg.user.get_username())
    ev.add("attendee", attendee, encode=False)
    ev.add("url", f"{settings.SITE_URL.rstrip('/')}{reg.get_absolute_url()}")
    cal.add_component(ev)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def attendee_timezone(reg: Any) -> str | None:
    """The attendee's own timezone from their profile; None when unset (the profile default UTC)."""
    profile = getattr(reg.user, "profile", None)
    tz = getattr(profile, "timezone", "") or ""
    return tz if tz and tz != "UTC" else None
