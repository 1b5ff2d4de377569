from __future__ import annotations

from django.urls import path

from psdesk.estimates import views

app_name = "estimates"
E = "engagements/<int:engagement_id>/"
urlpatterns = [
    path("", views.index, name="index"),
    path(E, views.engagement, name="engagement"),
    path(E + "versions/new", views.version_new, name="version_new"),
    path(E + "versions/<int:version_id>/", views.version, name="version"),
    path(E + "versions/<int:version_id>/edit", views.version_edit, name="version_edit"),
    path(E + "versions/<int:version_id>/share", views.version_share, name="version_share"),
    path(E + "versions/<int:version_id>/review", views.version_review, name="version_review"),
    path(E + "versions/<int:version_id>/estimate.xlsx", views.export_xlsx, name="xlsx"),
    path(E + "versions/<int:version_id>/estimate.pdf", views.export_pdf, name="pdf"),
    path(E + "links/<int:link_id>/revoke", views.link_revoke, name="link_revoke"),
    path(E + "ta-assistance", views.ta_assistance, name="ta_assistance"),
    path(E + "compare", views.compare, name="compare"),
]
