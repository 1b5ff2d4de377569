"""Public customer review pages, mounted at /review/ (no login: the signed token is the key)."""

from __future__ import annotations

from django.urls import path

from psdesk.estimates import views

app_name = "review"
urlpatterns = [
    path("<str:token>/", views.review, name="show"),
    path("<str:token>/feedback", views.review_feedback, name="feedback"),
    path("<str:token>/agree", views.review_agree, name="agree"),
]
