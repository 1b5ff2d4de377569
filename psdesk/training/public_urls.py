from __future__ import annotations

from django.urls import path

from psdesk.training import public_views

app_name = "training_public"
urlpatterns = [
    path("training/<str:token>/", public_views.registration, name="registration"),
    path("training/<str:token>/invite.ics", public_views.registration_ics_download, name="ics"),
    path("training-approval/<str:token>/", public_views.approval, name="approval"),
]
