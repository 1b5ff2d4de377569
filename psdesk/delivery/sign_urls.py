"""The customer's change-order signing pages, mounted at /sign/change-orders/ (no login: the signed,
expiring, single-use token is the key) — the same flow as a SOW's /sign/ pages."""

from __future__ import annotations

from django.urls import path

from psdesk.delivery import sign_views

app_name = "co_sign"
urlpatterns = [
    path("<str:token>/", sign_views.sign_page, name="show"),
    path("<str:token>/document.pdf", sign_views.sign_pdf, name="pdf"),
    path("<str:token>/sign", sign_views.sign_submit, name="submit"),
    path("<str:token>/decline", sign_views.decline_submit, name="decline"),
]
