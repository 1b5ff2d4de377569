from __future__ import annotations

from django.urls import path

from psdesk.engagements import views

app_name = "engagements"
urlpatterns = [
    path("opportunity-link", views.opportunity_link, name="opportunity_link"),
]
