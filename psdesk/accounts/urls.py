from __future__ import annotations

from django.urls import path

from psdesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("pubsec-review/", views.pubsec_review, name="pubsec_review"),
    path("pubsec-review/<int:user_id>/renew", views.pubsec_renew, name="pubsec_renew"),
    path("pubsec-review/<int:user_id>/revoke", views.pubsec_revoke, name="pubsec_revoke"),
]
