from __future__ import annotations

from django.urls import path

from psdesk.board import views

app_name = "board"
urlpatterns = [
    path("", views.index, name="index"),
    path("board/metrics/", views.metrics, name="metrics"),
    path("engagements/<int:engagement_id>/", views.detail, name="detail"),
    path("engagements/<int:engagement_id>/move", views.move, name="move"),
    path("engagements/<int:engagement_id>/act", views.act, name="act"),
]
