from __future__ import annotations

from django.urls import path

from psdesk.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("entries/<int:entry_id>/", views.entry, name="entry"),
    path("entries/<int:entry_id>/commit-start", views.commit_start, name="commit_start"),
    path("entries/<int:entry_id>/allocate", views.allocate, name="allocate"),
    path("whatif/", views.whatif, name="whatif"),
    path("capacity/", views.capacity, name="capacity"),
    path("resources/", views.resources, name="resources"),
    path("resources/skills/", views.skill_matrix, name="skill_matrix"),
    path("resources/<int:consultant_id>/", views.consultant, name="consultant"),
    path("time-off/", views.time_off_mine, name="time_off_mine"),
    path("time-off/request", views.time_off_request, name="time_off_request"),
    path("time-off/requests/", views.time_off_requests, name="time_off_requests"),
    path("time-off/<int:time_off_id>/approve", views.time_off_approve, name="time_off_approve"),
    path("time-off/<int:time_off_id>/refuse", views.time_off_refuse, name="time_off_refuse"),
]
