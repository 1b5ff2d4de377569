from __future__ import annotations

from django.urls import path

from psdesk.timesheets import views

app_name = "timesheets"
urlpatterns = [
    path("", views.index, name="index"),
    path("save", views.save, name="save"),
    path("submit", views.submit, name="submit"),
    path("import", views.import_csv, name="import"),
    path("weeks/", views.weeks, name="weeks"),
    path("weeks/<int:week_id>/", views.week_detail, name="week"),
    path("weeks/<int:week_id>/approve", views.week_approve, name="week_approve"),
    path("weeks/<int:week_id>/return", views.week_return, name="week_return"),
    path("projects/", views.burn_list, name="burn_list"),
    path("projects/<int:project_id>/", views.burn, name="burn"),
    path("projects/<int:project_id>/etc", views.etc_set, name="etc_set"),
    path("utilisation/", views.utilisation, name="utilisation"),
    path("work-at-risk/", views.work_at_risk, name="work_at_risk"),
    path("work-at-risk/request", views.work_at_risk_request, name="work_at_risk_request"),
    path("work-at-risk/<int:war_id>/decide", views.work_at_risk_decide, name="work_at_risk_decide"),
]
