from __future__ import annotations

from django.urls import path

from psdesk.delivery import views

app_name = "delivery"
urlpatterns = [
    path("", views.index, name="index"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/milestones/complete", views.milestone_complete, name="milestone_complete"),
    path("projects/<int:project_id>/close-out", views.close_out_set, name="close_out_set"),
    path("projects/<int:project_id>/close", views.project_close, name="close"),
    path("projects/<int:project_id>/complete", views.project_complete, name="complete"),
]
