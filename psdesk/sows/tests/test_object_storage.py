"""SOW files go to S3-compatible object storage when configured: a real S3 API server (moto) on
127.0.0.1, the real django-storages backend, and the SHA-256 checked on what the bucket returns."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest


def _free_port() -> int:
    for port in range(21500, 21600):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from django.core.files.storage import storages
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for k, v in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="psdesk-docs")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "psdesk-docs", "endpoint_url": endpoint, "file_overwrite": False},
        },
    }
    storages._storages.pop("default", None)  # type: ignore[attr-defined]  # the handler caches the backend
    try:
        yield client
    finally:
        storages._storages.pop("default", None)  # type: ignore[attr-defined]
        server.stop()


def test_a_generated_sow_is_stored_in_the_bucket_with_matching_hashes(s3: Any, sow_wip: Any, people: Any) -> None:
    from psdesk.sows.services import sow_generate

    version = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="psdesk-docs").get("Contents", []))
    assert keys == sorted([str(version.docx.name), str(version.pdf.name)])
    pdf = s3.get_object(Bucket="psdesk-docs", Key=version.pdf.name)["Body"].read()
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == version.pdf_sha256
    with version.docx.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == version.docx_sha256
