from __future__ import annotations

from django.urls import path

from psdesk.sows import views

app_name = "sows"
_ENG = "engagements/<int:engagement_id>/"
urlpatterns = [
    path(_ENG, views.engagement_sow, name="engagement"),
    path(_ENG + "generate", views.sow_generate, name="generate"),
    path(_ENG + "review", views.sow_review, name="review"),
    path(_ENG + "markup", views.markup_upload, name="markup_upload"),
    path(_ENG + "markup/accept", views.markup_accept, name="markup_accept"),
    path(_ENG + "markup/reject", views.markup_reject, name="markup_reject"),
    path(_ENG + "stamp", views.sow_stamp, name="stamp"),
    path(_ENG + "release", views.sow_release, name="release"),
    path(_ENG + "customer-sign", views.sow_customer_sign, name="customer_sign"),
    path(_ENG + "countersign", views.sow_countersign, name="countersign"),
    path(_ENG + "executed.pdf", views.executed_pdf, name="executed_pdf"),
    path("versions/<int:version_id>/status", views.render_status, name="render_status"),
    path("versions/<int:version_id>/<str:fmt>", views.download, name="download"),
]
