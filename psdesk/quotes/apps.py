from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_quote", "view_quoteline"]
_SELL = [*_VIEW, "add_quote", "change_quote", "sign_quote"]


class QuotesConfig(AppConfig):
    name = "psdesk.quotes"
    label = "quotes"
    verbose_name = "Quotes and order forms"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [("Quotes", "quotes:index", "quotes.view_quote")]
    role_permissions = {
        "account_executive": _SELL,
        "solutions_architect": _VIEW,
        "engagement_manager": _VIEW,
        "regional_delivery_manager": _VIEW,
        "ps_leadership": _VIEW,
        "deal_desk": _SELL,
        "legal": _VIEW,
        "ps-scheduling": _VIEW,
        "ps_ops_manager": _VIEW,
        "education_services": _VIEW,
        "sales_manager": _SELL,
    }

    def ready(self) -> None:
        # crm sits below quotes and cannot import it: quotes registers its Closed Won booking path.
        from psdesk.crm.workflow import register_close_won_path  # noqa: PLC0415 — needs the loaded app registry
        from psdesk.quotes.selectors import standard_order_form_path  # noqa: PLC0415 — needs the loaded app registry

        register_close_won_path(standard_order_form_path)
