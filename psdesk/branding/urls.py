from __future__ import annotations

from django.urls import path

from psdesk.branding import views

app_name = "branding"
urlpatterns = [
    path("documents/<str:content_hash>/<str:fmt>/status", views.rendition_status, name="rendition_status"),
]
