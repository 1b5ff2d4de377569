from __future__ import annotations

from django.urls import path

from psdesk.delivery import views

app_name = "delivery"
urlpatterns = [
    path("", views.index, name="index"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/milestones/complete", views.milestone_complete, name="milestone_complete"),
    path("projects/<int:project_id>/close-out", views.close_out_set, name="close_out_set"),
    path("projects/<int:project_id>/close", views.project_close, name="close"),
    path("projects/<int:project_id>/complete", views.project_complete, name="complete"),
    path("projects/<int:project_id>/change-orders/new", views.change_order_new, name="change_order_new"),
    path("change-orders/<int:change_order_id>/", views.change_order, name="change_order"),
    path("change-orders/<int:change_order_id>/submit", views.change_order_submit, name="change_order_submit"),
    path("change-orders/<int:change_order_id>/decide", views.change_order_decide, name="change_order_decide"),
    path("change-orders/<int:change_order_id>/send", views.change_order_send, name="change_order_send"),
    path("change-orders/<int:change_order_id>/sign", views.change_order_sign, name="change_order_sign"),
    path(
        "change-orders/<int:change_order_id>/countersign",
        views.change_order_countersign,
        name="change_order_countersign",
    ),
    path("change-orders/<int:change_order_id>/withdraw", views.change_order_withdraw, name="change_order_withdraw"),
    path("change-orders/<int:change_order_id>/<str:fmt>", views.change_order_file, name="change_order_file"),
]
