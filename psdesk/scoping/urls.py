from __future__ import annotations

from django.urls import path

from psdesk.scoping import views

app_name = "scoping"
urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("engagements/<int:engagement_id>/", views.engagement, name="engagement"),
    path("engagements/<int:engagement_id>/ssot", views.answers, name="answers"),
    path("engagements/<int:engagement_id>/intake", views.intake_edit, name="intake"),
    path("ask/", views.ask_ps, name="ask_ps"),
    path("ask/<int:request_id>/", views.ask_ps_detail, name="ask_ps_detail"),
    path("ask/<int:request_id>/answers", views.ask_ps_answer_post, name="ask_ps_answer"),
    path("pubsec-access/request", views.pubsec_request, name="pubsec_request"),
    path("pubsec-access/", views.pubsec_requests, name="pubsec_requests"),
]
