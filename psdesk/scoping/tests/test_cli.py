"""`manage.py scoping ...`: estimate with provenance, answers, JSON requests, rules check."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from psdesk.engagements.models import Engagement
from psdesk.scoping.tests.conftest import IMPL_ANSWERS, MIG_ANSWERS

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("scoping", *args, stdout=out)
    return out.getvalue()


def test_a_request_from_json_then_the_estimate_with_provenance(people: Any, east: Any, tmp_path: Path) -> None:
    f = tmp_path / "req.json"
    payload = {
        "account_id": east.pk,
        "service_types": ["implementation", "scm_migration"],
        "answers": {"implementation": IMPL_ANSWERS, "scm_migration": MIG_ANSWERS},
    }
    f.write_text(json.dumps(payload))
    out = _run("request", str(f), "--as", "sam")
    eng = Engagement.objects.get()
    assert out.strip() == f"created: engagement {eng.pk} “Acme Corp - Scope Issue and Write SOW” (open, EM erin)"
    assert _run("request", str(f), "--as", "sam").startswith("already submitted")
    est = _run("estimate", str(eng.pk))
    assert "- +24 h because integrations = 3 (8 h each)" in est
    assert "- +16 h because large_repos = 3 (2 per day)" in est
    answered = _run("answer", str(eng.pk), "implementation.integrations", "5", "--as", "erin")
    assert "changed  impl_integrations            24.00 h → 40.00 h" in answered


def test_bad_json_requests_fail_with_the_reason(people: Any, east: Any, tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text(json.dumps({"account_id": east.pk, "service_types": ["warp_drive"]}))
    with pytest.raises(CommandError, match="Unknown service type 'warp_drive'"):
        _run("request", str(f), "--as", "sam")
    f.write_text("{nope")
    with pytest.raises(CommandError, match="invalid JSON"):
        _run("request", str(f), "--as", "sam")


def test_pubsec_engagements_are_not_found_for_non_members_on_the_cli(
    people: Any, make_account: Any, submit: Any
) -> None:
    acc = make_account("Agency", pubsec=True, em=people.pat)
    eng = submit("pat", account_id=acc.pk).engagement
    with pytest.raises(CommandError, match="not found"):
        _run("estimate", str(eng.pk), "--as", "erin")
    assert "base 16 h for implementation" in _run("estimate", str(eng.pk), "--as", "pat")


def test_check_rules_reports_file_line_and_reason(tmp_path: Path) -> None:
    assert "OK — 6 service types" in _run("check-rules")
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "service_types:\n  implementation:\n    rules:\n      - {add: {activity: x, description: X, role: PSE}}\n"
    )
    with pytest.raises(CommandError, match=r"rules.yaml:4: 'add' needs 'hours' or 'per'"):
        _run("check-rules", "--file", str(bad))
