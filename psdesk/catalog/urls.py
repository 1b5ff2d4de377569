from __future__ import annotations

from django.urls import path

from psdesk.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("skus/<str:code>/", views.detail, name="detail"),
]
