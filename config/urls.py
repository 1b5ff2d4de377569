from __future__ import annotations

import importlib

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from psdesk.accounts import views as accounts_views
from psdesk.ops import views as ops_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Everyone lands here after login (LOGIN_REDIRECT_URL); first in the navigation.
    path("my-work/", accounts_views.my_work, name="my_work"),
    path("review/", include("psdesk.estimates.review_urls")),
    path("r/", include("psdesk.training.public_urls")),
    # Probes and Prometheus (psdesk/ops, docs/deploy.md): no login.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("r/", include("psdesk.delivery.public_urls")),
    path("sign/change-orders/", include("psdesk.delivery.sign_urls")),
    path("sign/", include("psdesk.sows.sign_urls")),
]

# Each app with a urls.py is mounted at /<app>/ (the board at /).
_MOUNTS = {"board": "", "accounts": "accounts/", "insights": ""}
for _app in settings.PSDESK_APPS:
    try:
        importlib.import_module(f"psdesk.{_app}.urls")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"psdesk.{_app}.urls":
            raise
        continue
    urlpatterns.append(path(_MOUNTS.get(_app, f"{_app}/"), include(f"psdesk.{_app}.urls")))

# A refused page keeps the navigation and says who grants access (JSON under /api/).
handler403 = "psdesk.accounts.views.permission_denied"
