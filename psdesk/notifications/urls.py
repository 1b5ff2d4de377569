from __future__ import annotations

from django.urls import path

from psdesk.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:message_id>/replay", views.outbox_replay_view, name="outbox_replay"),
]
