from __future__ import annotations

from django.urls import path

from psdesk.training import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("requests/new/trainer/", views.trainer_new, name="trainer_new"),
    path("requests/new/audit/", views.audit_new, name="audit_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/move", views.request_move, name="request_move"),
    path("requests/<int:request_id>/approval", views.request_approve, name="request_approve"),
    path("requests/<int:request_id>/schedule", views.request_schedule, name="request_schedule"),
    path("planning/", views.planning_board, name="planning"),
    path("sessions/", views.session_calendar, name="calendar"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("sessions/<int:session_id>/register", views.session_register, name="session_register"),
    path("sessions/<int:session_id>/deliver", views.session_deliver, name="session_deliver"),
    path("sessions/<int:session_id>/roster.csv", views.roster_export, name="roster"),
    path("registrations/<int:registration_id>/cancel", views.registration_cancel, name="registration_cancel"),
]
