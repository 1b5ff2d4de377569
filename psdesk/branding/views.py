"""The JSON status of a document the worker renders (polled by rendering.js)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse

from psdesk.branding.models import RenderedDocument


@login_required
def rendition_status(request: HttpRequest, content_hash: str, fmt: str) -> JsonResponse:
    """{"state": rendering | ready | failed | absent, "error": …} of one content hash and format."""
    row = RenderedDocument.objects.filter(content_hash=content_hash, fmt=fmt).values("state", "error").first()
    if row is None:
        return JsonResponse({"state": "absent", "error": "Not rendered; open the download again."}, status=404)
    return JsonResponse({"state": row["state"], "error": row["error"]})
