from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = StringIO()
    call_command("sow", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_generate_versions_and_download_from_the_command_line(sow_wip: Any, people: Any, tmp_path: Path) -> None:
    out = run("generate", sow_wip.pk, "--as", "erin")
    assert out.startswith("SOW-") and "v1  USD 29,040.00  terms=standard" in out
    from psdesk.sows.models import Sow

    sow = Sow.objects.get()
    assert "* v1" in run("versions", sow.pk, "--as", "erin")
    target = tmp_path / "sow.docx"
    run("download", sow.current_id, "--as", "leo", "--format", "docx", "--out", target)
    assert target.read_bytes()[:2] == b"PK"


def test_refusals_are_command_errors_with_the_reason(sow_wip: Any, people: Any) -> None:
    run("generate", sow_wip.pk, "--as", "erin")
    from psdesk.sows.models import Sow

    sow = Sow.objects.get()
    with pytest.raises(CommandError, match="409 transition_not_allowed"):
        run("release", sow.pk, "--as", "erin", "--signer-email", "cam@customer.example")
    with pytest.raises(CommandError, match="403"):
        run("generate", sow_wip.pk, "--as", "olga")


def test_the_template_command_rebuilds_the_docx_template(tmp_path: Path) -> None:
    target = tmp_path / "t.docx"
    run("template", "--out", target)
    assert target.read_bytes()[:2] == b"PK"


def test_without_a_subcommand_the_help_lists_every_subcommand() -> None:
    out = run()
    for sub in ("generate", "versions", "download", "markup", "review", "stamp", "release", "sign-customer"):
        assert sub in out
    assert "countersign" in out and "fragments" in out and "Rebuild the shipped docxtpl DOCX template." in out
