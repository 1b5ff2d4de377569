from __future__ import annotations

from django.urls import path

from psdesk.insights import views

# Mounted at the site root (config/urls.py).
app_name = "insights"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("exports/<str:what>.<str:fmt>", views.export, name="export"),
    path("history/<str:kind>/<int:object_id>/", views.history, name="history"),
    path("audit/", views.audit, name="audit"),
]
