"""The OpenAPI document (/api/v1/openapi.json): built once per process, then served from memory.

Figures: the first request in this process (it builds and serialises the document) and the median
of 50 later ones (target ≤ 5 ms), beside a floor measured in the same run: building an
HttpResponse of the same bytes, with no request around it (the least serving it can cost).
"""

from __future__ import annotations

import time

from django.http import HttpResponse
from django.test import Client

from bench.common import median_ms, report, reset_database, section, timed


def run() -> None:
    from config.api import api

    reset_database()
    api.__dict__.pop("_schema_cache", None)
    api.__dict__.pop("_document_cache", None)
    client = Client()
    with section("openapi.json"):
        t0 = time.perf_counter()
        first = client.get("/api/v1/openapi.json")
        first_ms = (time.perf_counter() - t0) * 1000
        assert first.status_code == 200
        body = first.content
        floor = median_ms(timed(lambda: HttpResponse(bytes(body), content_type="application/json"), repeat=50))
        report(f"first request, builds the document ({len(first.content) // 1024} KiB)", first_ms, floor_ms=floor)
        report(
            "openapi.json, later requests (median of 50)",
            median_ms(timed(lambda: client.get("/api/v1/openapi.json"), repeat=50)),
            floor_ms=floor,
            target_ms=5,
        )
