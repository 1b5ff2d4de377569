from __future__ import annotations

from django.contrib import admin

from psdesk.scoping.models import (
    AskPsAnswer,
    AskPsRequest,
    PubSecAccessRequest,
    Question,
    ScopingPolicy,
    ScopingRequest,
    ServiceType,
    SsotRow,
    TerritoryEngagementManager,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("position", "key", "text", "answer_type", "choices", "multiple", "required", "example", "rationale")


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "position", "active")
    list_editable = ("position", "active")
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("service_type", "key", "text", "answer_type", "required", "position")
    list_filter = ("service_type", "answer_type", "required")
    search_fields = ("key", "text")


@admin.register(TerritoryEngagementManager)
class TerritoryEngagementManagerAdmin(admin.ModelAdmin):
    list_display = ("territory", "engagement_manager", "active")
    list_filter = ("territory", "active")


@admin.register(ScopingPolicy)
class ScopingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "duplicate_window_seconds")

    def has_add_permission(self, request: object) -> bool:
        return not ScopingPolicy.objects.exists()


@admin.register(ScopingRequest)
class ScopingRequestAdmin(admin.ModelAdmin):
    list_display = ("engagement", "account", "requester", "us_public_sector", "created_at")
    readonly_fields = [f.name for f in ScopingRequest._meta.fields]


@admin.register(SsotRow)
class SsotRowAdmin(admin.ModelAdmin):
    """Read-only: answers change through the engagement page or the API (audited)."""

    list_display = ("engagement", "service_type", "key", "response", "required", "version")
    list_filter = ("service_type", "required")
    readonly_fields = [f.name for f in SsotRow._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


class AskPsAnswerInline(admin.TabularInline):
    model = AskPsAnswer
    extra = 0
    readonly_fields = ("author", "body", "created_at")
    can_delete = False


@admin.register(AskPsRequest)
class AskPsRequestAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "asker", "account", "route", "routed_to", "created_at")
    readonly_fields = [f.name for f in AskPsRequest._meta.fields]
    inlines = [AskPsAnswerInline]


@admin.register(PubSecAccessRequest)
class PubSecAccessRequestAdmin(admin.ModelAdmin):
    """Decisions are made on the PubSec access page (audited), not here."""

    list_display = ("user", "status", "decided_by", "decided_at", "created_at")
    readonly_fields = [f.name for f in PubSecAccessRequest._meta.fields]
