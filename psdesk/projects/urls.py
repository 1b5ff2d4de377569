from __future__ import annotations

from django.urls import path

from psdesk.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:project_id>/", views.detail, name="detail"),
    path("<int:project_id>/checklist", views.checklist_set, name="checklist_set"),
    path("<int:project_id>/contacts", views.contact_add, name="contact_add"),
    path("<int:project_id>/contacts/request", views.contacts_request, name="contacts_request"),
    path("<int:project_id>/welcome", views.welcome_send, name="welcome_send"),
    path("<int:project_id>/move", views.project_move, name="move"),
]
