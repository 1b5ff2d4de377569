from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = pytest.mark.django_db


def test_cli_moves_a_card_as_a_user(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    out = StringIO()
    call_command("engagement", "move", str(eng.pk), "triage", "--as", "erin", stdout=out)
    assert out.getvalue().strip() == f"engagement {eng.pk}: open → awaiting_discovery"
    assert Engagement.objects.get(pk=eng.pk).state == S.AWAITING_DISCOVERY


def test_cli_refusals_and_pubsec_isolation(people: Any, make_account: Any, make_engagement: Any) -> None:
    eng = make_engagement(em=None)
    with pytest.raises(CommandError, match="409 transition_not_allowed: Assign an engagement manager"):
        call_command("engagement", "move", str(eng.pk), "triage", "--as", "erin", stdout=StringIO())
    secret = make_engagement(make_account("Agency X", pubsec=True), em="pat")
    with pytest.raises(CommandError, match="404 not_found"):
        call_command("engagement", "move", str(secret.pk), "triage", "--as", "erin", stdout=StringIO())
    out = StringIO()
    call_command("engagement", "list", "--as", "erin", stdout=out)
    assert "Agency X" not in out.getvalue() and str(eng.title) in out.getvalue()
    out = StringIO()
    call_command("engagement", "list", "--as", "pat", stdout=out)
    assert "Agency X" in out.getvalue()


def test_token_command_prints_a_working_token(people: Any) -> None:
    from django.test import Client

    out = StringIO()
    call_command("token", "create", "erin", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("psd_")
    assert Client().get("/api/v1/engagements", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
