from __future__ import annotations

from django.urls import path

from psdesk.board import views

app_name = "board"
urlpatterns = [
    path("", views.index, name="index"),
    path("board/metrics/", views.metrics, name="metrics"),
    path("engagements/<int:engagement_id>/", views.detail, name="detail"),
    path("engagements/<int:engagement_id>/move", views.move, name="move"),
    path("engagements/<int:engagement_id>/close-lost", views.close_lost_form, name="close_lost_form"),
    path("engagements/<int:engagement_id>/own-opportunity", views.own_opportunity, name="own_opportunity"),
    path("engagements/<int:engagement_id>/labels/move", views.label_move_post, name="label_move"),
    path("engagements/<int:engagement_id>/ta-review/approve", views.ta_review_approve, name="ta_review_approve"),
    path("engagements/<int:engagement_id>/approvals/request", views.approval_request_post, name="approval_request"),
    path(
        "engagements/<int:engagement_id>/approvals/<int:request_id>/decide",
        views.approval_decide_post,
        name="approval_decide",
    ),
    path(
        "engagements/<int:engagement_id>/closed-lost/<int:suggestion_id>/confirm",
        views.closed_lost_confirm,
        name="closed_lost_confirm",
    ),
    path(
        "engagements/<int:engagement_id>/closed-lost/<int:suggestion_id>/dismiss",
        views.closed_lost_dismiss,
        name="closed_lost_dismiss",
    ),
]
