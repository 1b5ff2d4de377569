from __future__ import annotations

from django.urls import path

from psdesk.crm import views

app_name = "crm"
urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/new/", views.opportunity_new, name="opportunity_new"),
    path("opportunities/<int:opportunity_id>/", views.opportunity_detail, name="opportunity"),
    path("opportunities/<int:opportunity_id>/move", views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:opportunity_id>/po", views.opportunity_po, name="opportunity_po"),
]
