from __future__ import annotations

from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from psdesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    # Single sign-on (psdesk/accounts/sso.py): to the IdP, and back with the code.
    path("oidc/authenticate/", OIDCAuthenticationRequestView.as_view(), name="oidc_authenticate"),
    path("oidc/callback/", OIDCAuthenticationCallbackView.as_view(), name="oidc_callback"),
    path("pubsec-review/", views.pubsec_review, name="pubsec_review"),
    path("pubsec-review/<int:user_id>/renew", views.pubsec_renew, name="pubsec_renew"),
    path("pubsec-review/<int:user_id>/revoke", views.pubsec_revoke, name="pubsec_revoke"),
]
