"""The interactive API docs (Swagger UI, vendored from npm in core/static/vendor/) served by PS Desk
itself, so `/api/v1/docs` works on a machine without internet and under the CSP (no inline script:
insights/api_docs.js reads the OpenAPI URL from a data attribute)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI


class VendoredSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "insights/api_docs.html",
            {"openapi_url": self.get_openapi_url(api, kwargs), "title": api.title},
        )
