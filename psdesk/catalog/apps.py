from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_sku"]
_RATES = ["view_sku", "view_billrate", "view_listrate"]
_COSTS = [*_RATES, "view_standardcostrate", "view_pricingpolicy"]
_ADMIN = [
    *_COSTS,
    "add_sku",
    "change_sku",
    "import_sku",
    "add_billrate",
    "change_billrate",
    "add_standardcostrate",
    "change_standardcostrate",
    "add_listrate",
    "change_listrate",
    "change_pricingpolicy",
]


class CatalogConfig(AppConfig):
    name = "psdesk.catalog"
    label = "catalog"
    verbose_name = "Service catalog"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [("Catalog", "catalog:index", "catalog.view_sku")]
    role_permissions = {
        "account_executive": _RATES,
        "solutions_architect": _RATES,
        "engagement_manager": _COSTS,
        "technical_architect": _COSTS,
        "regional_delivery_manager": _COSTS,
        "ps_leadership": _COSTS,
        "deal_desk": _COSTS,
        "legal": _VIEW,
        "ps-scheduling": _RATES,
        "ps_ops_manager": _ADMIN,
        "consultant": _VIEW,
        "education_services": [*_RATES, "add_sku", "change_sku"],
        "team_member": _VIEW,
        "sales_manager": _RATES,
    }
