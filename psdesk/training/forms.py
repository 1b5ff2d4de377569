"""Request and scheduling forms: shape checks only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from psdesk.training.choices import DeliveryMode
from psdesk.training.selectors import courses


class TrainerRequestForm(forms.Form):
    team = forms.CharField(max_length=120)
    cost_centre = forms.CharField(max_length=40, label="Cost centre")
    courses = forms.ModelMultipleChoiceField(queryset=courses(), widget=forms.CheckboxSelectMultiple)
    audience_size = forms.IntegerField(min_value=1, max_value=500)
    split_sessions = forms.BooleanField(required=False, label="Split into several sessions if over the class size")
    preferred_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    preferred_end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    timezone = forms.CharField(max_length=64, initial="UTC")
    delivery_mode = forms.ChoiceField(choices=DeliveryMode.choices)
    location = forms.CharField(max_length=200, required=False)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Business justification")
    attendees = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = courses()  # type: ignore[attr-defined]


class AuditRequestForm(forms.Form):
    course = forms.ModelChoiceField(queryset=courses())
    desired_session = forms.IntegerField(required=False, widget=forms.Select, label="Session")
    preferred_start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    preferred_end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    timezone = forms.CharField(max_length=64, initial="UTC")

    def __init__(self, *args: Any, sessions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses()  # type: ignore[attr-defined]
        choices = [("", "— any session in the date range —")] + [
            (s.pk, f"{s} · {s.starts_at:%Y-%m-%d %H:%M} UTC · {s.seats_left} seats left") for s in sessions
        ]
        self.fields["desired_session"].widget = forms.Select(choices=choices)


class TrainerScheduleForm(forms.Form):
    """One new session per submit row; the coordinator may submit several rows (split sessions)."""

    course = forms.ModelChoiceField(queryset=courses())
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    timezone = forms.CharField(max_length=64)
    instructor_id = forms.IntegerField(required=False)
    reason = forms.CharField(required=False, max_length=2000)
