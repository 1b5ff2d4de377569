from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from psdesk.crm.models import Opportunity
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_opportunity_link, opportunity_link_refusal


class EngagementAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Engagement
        fields = ("opportunity",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "opportunity" in self.fields and self.instance.pk:
            field = self.fields["opportunity"]
            field.queryset = Opportunity.objects.filter(account_id=self.instance.account_id)  # type: ignore[attr-defined]

    def clean_opportunity(self) -> Opportunity | None:
        opportunity: Opportunity | None = self.cleaned_data.get("opportunity")
        if self.instance.pk and getattr(opportunity, "pk", None) != self.instance.opportunity_id:
            refusal = opportunity_link_refusal(engagement=self.instance, opportunity=opportunity)
            if refusal is not None:
                raise forms.ValidationError(refusal)
        return opportunity


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Engagements are created by the calculator and moved on the board; here only their
    opportunity changes, through the same audited service as the card and the opportunity page."""

    form = EngagementAdminForm
    list_display = ("title", "account", "opportunity", "state", "em", "created_at")
    list_filter = ("state",)
    search_fields = ("title", "account__name", "opportunity__name")
    readonly_fields = ("title", "account", "state", "em", "epic", "created_by", "created_at", "version")
    fields = ("title", "account", "opportunity", "state", "em", "epic", "created_by", "created_at", "version")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("engagements.link_opportunity"))

    def get_queryset(self, request: HttpRequest) -> Any:
        visible = Engagement.objects.visible_to(request.user)
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible.values("pk"))
            .select_related("account", "opportunity", "em")
        )

    def save_model(self, request: HttpRequest, obj: Engagement, form: Any, change: bool) -> None:
        if "opportunity" in form.changed_data:
            engagement_opportunity_link(
                engagement_id=obj.pk,
                opportunity_id=obj.opportunity_id,
                actor=request.user,  # type: ignore[arg-type]
            )
