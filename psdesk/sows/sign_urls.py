"""The customer's signing pages, mounted at /sign/ (no login: the signed, expiring, single-use token is the key)."""

from __future__ import annotations

from django.urls import path

from psdesk.sows import sign_views

app_name = "sign"
urlpatterns = [
    path("<str:token>/", sign_views.sign_page, name="show"),
    path("<str:token>/document.pdf", sign_views.sign_pdf, name="pdf"),
    path("<str:token>/sign", sign_views.sign_submit, name="submit"),
    path("<str:token>/decline", sign_views.decline_submit, name="decline"),
]
