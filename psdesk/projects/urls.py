from __future__ import annotations

from django.urls import path

from psdesk.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:project_id>/", views.detail, name="detail"),
    path("<int:project_id>/act", views.act, name="act"),
]
