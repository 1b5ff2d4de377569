"""Catalog pages: browse with filters and SKU detail with its service description."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render

from psdesk.catalog.choices import Maturity, SkuCategory, SkuType
from psdesk.catalog.selectors import sku_get, sku_list
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest


def _pick(value: str, allowed: list[str]) -> str:
    return value if value in allowed else ""


@permission_required("catalog.view_sku", raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    f = {
        "category": _pick(request.GET.get("category", ""), list(SkuCategory.values)),
        "type": _pick(request.GET.get("type", ""), list(SkuType.values)),
        "maturity": _pick(request.GET.get("maturity", ""), list(Maturity.values)),
        "q": request.GET.get("q", "")[:100],
    }
    show_inactive = request.GET.get("inactive") == "1"
    skus = sku_list(**f, active=None if show_inactive else True)[:500]
    ctx = {
        "skus": skus,
        "f": f,
        "show_inactive": show_inactive,
        "categories": SkuCategory.choices,
        "types": SkuType.choices,
        "maturities": Maturity.choices,
    }
    return render(request, "catalog/index.html", ctx)


@permission_required("catalog.view_sku", raise_exception=True)
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    try:
        sku = sku_get(code=code)
    except DomainError:
        return render(request, "core/error.html", {"message": "SKU not found."}, status=404)
    return render(request, "catalog/detail.html", {"sku": sku})
