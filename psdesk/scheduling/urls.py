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
]
