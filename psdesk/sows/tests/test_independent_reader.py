"""The generated DOCX opens in an independent reader: LibreOffice converts it to PDF, and the text of
that PDF carries every section heading. CI installs LibreOffice; elsewhere the test skips, saying why."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from psdesk.sows import document as doc
from psdesk.sows import rendering
from psdesk.sows.services import sow_generate

pytestmark = pytest.mark.django_db


def test_libreoffice_converts_the_generated_docx(sow_wip: Any, people: Any, tmp_path: Path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        reason = "libreoffice is not on PATH (CI installs libreoffice-writer-nogui)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    src = tmp_path / "sow.docx"
    with v.docx.open("rb") as fh:
        src.write_bytes(fh.read())
    proc = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    out = tmp_path / "sow.pdf"
    assert proc.returncode == 0 and out.exists(), proc.stderr.decode(errors="replace")
    text = " ".join(rendering.pdf_text(out.read_bytes()).split())
    for s in doc.sections(v.content):
        assert s.heading in text
