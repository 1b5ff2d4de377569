"""`/healthz` (liveness), `/readyz` (readiness) and `/metrics` (Prometheus). None needs a login:
load balancers and Prometheus call them. `/metrics` needs `Authorization: Bearer
<PSDESK_METRICS_TOKEN>` when that is set, and is off (404) in production when it is not."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from psdesk.ops.health import readiness
from psdesk.ops.metrics import metrics_text


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving; touches nothing else (a failing database must not get every
    web node restarted)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the task queue and document storage all answer, else 503 naming the
    failing check (take the node out of the load balancer, do not restart it)."""
    results = readiness()
    ok = all(r.ok for r in results)
    body = {
        "status": "ok" if ok else "fail",
        "checks": {
            r.name: {"ok": r.ok, "ms": round(r.ms, 1), **({"error": r.error} if r.error else {})} for r in results
        },
    }
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.PSDESK_METRICS_TOKEN
    if not token:
        if settings.PRODUCTION:
            raise Http404("metrics are off: set PSDESK_METRICS_TOKEN")
    else:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            response = JsonResponse({"detail": "metrics need Authorization: Bearer <PSDESK_METRICS_TOKEN>"}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    body, content_type = metrics_text()
    return HttpResponse(body, content_type=content_type)
