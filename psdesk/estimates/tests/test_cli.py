"""`psdesk estimate ...`: the same services as the API, as a named user."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from psdesk.estimates.models import EstimateVersion, ReviewLink

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("estimate", *args, stdout=out)
    return out.getvalue()


def test_an_em_drives_an_estimate_from_the_command_line(
    people: Any, strawman: Any, frozen_clock: Any, tmp_path: Path
) -> None:
    out = _run("new", str(strawman.pk), "--as", "erin", "--from-draft")
    v1 = EstimateVersion.objects.get()
    assert "v1" in out and "26,400.00" in out and "margin 63.94%" in out
    assert "Install GitLab" in _run("show", str(v1.pk), "--as", "erin")
    assert "/review/" in _run("share", str(v1.pk), "--as", "erin")
    _run("new", str(strawman.pk), "--as", "erin", "--based-on", str(v1.pk), "--pricing", "tm")
    v2 = EstimateVersion.objects.get(number=2)
    assert "v1 → v2: price -2,800.00" in _run("diff", str(v1.pk), str(v2.pk), "--as", "erin")
    assert "v2: approved" in _run("review", str(v2.pk), "approved", "--as", "tara")
    link = ReviewLink.objects.get()
    assert "revoked" in _run("revoke-link", str(link.pk), "--as", "erin")
    xlsx = tmp_path / "e.xlsx"
    assert "wrote" in _run("export", str(v2.pk), "--as", "erin", "--out", str(xlsx), "--internal")
    assert xlsx.read_bytes()[:2] == b"PK"


def test_refusals_are_command_errors(people: Any, strawman: Any) -> None:
    with pytest.raises(CommandError, match="403 forbidden"):
        _run("new", str(strawman.pk), "--as", "alice")
    with pytest.raises(CommandError, match="may not see estimates"):
        _run("list", str(strawman.pk), "--as", "olga")
    assert EstimateVersion.objects.count() == 0
