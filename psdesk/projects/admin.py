from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template import Context, Engine
from django.utils.html import format_html

from psdesk.projects.models import Project, ProjectsPolicy, WelcomeTemplate


@admin.register(ProjectsPolicy)
class ProjectsPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "target_margin", "welcome_policy_key", "backlog_after_days")


@admin.register(WelcomeTemplate)
class WelcomeTemplateAdmin(admin.ModelAdmin):
    """Edit the welcome email; the preview renders it for the most recent project of its kind."""

    list_display = ("kind", "subject", "updated_at")
    readonly_fields = ("preview",)

    @admin.display(description="Preview")
    def preview(self, obj: WelcomeTemplate) -> str:
        project = Project.objects.filter(kind=obj.kind).order_by("-created_at").first()
        if project is None or not obj.pk:
            return "Save, and create a project of this kind, to see a preview."
        ctx = Context(
            {
                "project": project,
                "account": project.account,
                "coordinator": project.coordinator,
                "contacts": list(project.contacts.all()),
                "roles_needed": [],
            }
        )
        engine = Engine(autoescape=False)
        try:
            subject = engine.from_string(obj.subject).render(ctx)
            body = engine.from_string(obj.body).render(ctx)
        except Exception as exc:  # a template syntax error is shown, not raised
            return f"Template error: {exc}"
        return format_html("<strong>{}</strong><pre>{}</pre>", subject, body)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "status", "kind", "coordinator", "booked_at", "welcome_sent_at")
    list_filter = ("status", "kind")
    search_fields = ("name", "account__name")
    readonly_fields = ("status", "status_before_pause", "version", "booked_at", "welcome_sent_at")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
