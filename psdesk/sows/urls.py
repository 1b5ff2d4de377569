from __future__ import annotations

from django.urls import path

from psdesk.sows import views

app_name = "sows"
urlpatterns = [
    path("engagements/<int:engagement_id>/", views.engagement_sow, name="engagement"),
    path("engagements/<int:engagement_id>/act", views.act, name="act"),
    path("versions/<int:version_id>/<str:fmt>", views.download, name="download"),
]
