from __future__ import annotations

from django.urls import path

from psdesk.delivery import public_views

app_name = "delivery_public"
urlpatterns = [path("acceptance/<str:token>/", public_views.acceptance, name="acceptance")]
