"""The download answer for a document the worker renders: the stored file when it is ready,
otherwise the "Rendering…" page (HTML, 202) that polls a JSON status URL (rendering.js) and shows
the download link when the file is there. API endpoints answer a 409 naming the state instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from psdesk.branding.models import RenderState
from psdesk.branding.services import Rendition
from psdesk.core.errors import Conflict


def file_response(
    data: bytes, *, filename: str, content_type: str, sha256: str, as_attachment: bool = True
) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f'{"attachment" if as_attachment else "inline"}; filename="{filename}"'
    resp["X-Content-SHA256"] = sha256
    return resp


def rendering_page(
    request: HttpRequest,
    *,
    state: str,
    title: str,
    filename: str,
    download_url: str,
    status_url: str,
    error: str = "",
    back_url: str = "",
) -> HttpResponse:
    """The page a download answers while its document renders (202; a failed render says why)."""
    ctx = {
        "state": state,
        "title": title,
        "filename": filename,
        "download_url": download_url,
        "status_url": status_url,
        "error": error,
        "back_url": back_url,
    }
    return render(request, "branding/rendering.html", ctx, status=202)


def rendition_response(
    request: HttpRequest,
    rendition: Rendition,
    *,
    title: str,
    filename: str,
    content_type: str,
    download_url: str,
    status_url: str,
    back_url: str = "",
    as_attachment: bool = True,
) -> HttpResponse:
    """The stored file of a ready rendition, else the rendering page."""
    if rendition.state == RenderState.READY and rendition.data is not None:
        return file_response(
            rendition.data,
            filename=filename,
            content_type=content_type,
            sha256=rendition.sha256,
            as_attachment=as_attachment,
        )
    return rendering_page(
        request,
        state=rendition.state,
        title=title,
        filename=filename,
        download_url=download_url,
        status_url=status_url,
        error=rendition.error,
        back_url=back_url,
    )


def rendition_api_data(rendition: Rendition, *, what: str, status_url: str) -> bytes:
    """The ready file's bytes for an API download; Conflict (409, code `document_rendering` or
    `document_render_failed`, details naming the state and the status URL) otherwise."""
    if rendition.state == RenderState.READY and rendition.data is not None:
        return rendition.data
    details = {"state": rendition.state, "status_url": status_url}
    if rendition.state == RenderState.FAILED:
        raise Conflict(
            f"The {what} could not be rendered ({rendition.error}); ask again to retry.",
            code="document_render_failed",
            details=details,
        )
    raise Conflict(
        f"The {what} is rendering; ask again when its state is ready.", code="document_rendering", details=details
    )
