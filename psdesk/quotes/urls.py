from __future__ import annotations

from django.urls import path

from psdesk.quotes import views

app_name = "quotes"
urlpatterns = [
    path("", views.index, name="index"),
    path("intake/", views.intake, name="intake"),
    path("<int:quote_id>/", views.detail, name="detail"),
    path("<int:quote_id>/edit", views.edit, name="edit"),
    path("<int:quote_id>/preview/", views.preview, name="preview"),
    path("<int:quote_id>/order-form.pdf", views.pdf, name="pdf"),
]
