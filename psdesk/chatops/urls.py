from __future__ import annotations

from django.urls import path

from psdesk.chatops import views

app_name = "chatops"
urlpatterns = [
    path("slack/inbound", views.slack_inbound, name="slack_inbound"),
    path("slack/link/", views.slack_link, name="slack_link"),
    path("slack/link/<int:link_id>/remove", views.slack_unlink, name="slack_unlink"),
]
