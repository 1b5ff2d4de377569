from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from psdesk.audit.models import AuditEvent
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_label_set

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_require_login() -> None:
    r = Client().get("/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_board_shows_every_column_with_counts_and_hides_pubsec_from_non_members(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    make_engagement(make_account("Acme"))
    make_engagement(make_account("Initech"), path=("triage",))
    make_engagement(make_account("Agency Z", pubsec=True), em="pat")
    html = client_for(people.erin).get("/").content.decode()
    for label in ["Open", "proposal::Awaiting_Discovery", "proposal::Ready For Approval", "proposal::Closed_Lost"]:
        assert label in html
    assert "Acme - Scope Issue" in html and "Initech - Scope Issue" in html
    assert "Agency Z" not in html
    assert "Agency Z" in client_for(people.pat).get("/").content.decode()


def test_board_filters_by_em_segment_and_mine(people: Any, make_account: Any, make_engagement: Any) -> None:
    make_engagement(make_account("Acme", segment="SMB"))
    make_engagement(make_account("Globex", segment="Ent_EMEA"), em="emil")
    c = client_for(people.erin)
    html = c.get("/", {"em": people.emil.pk}).content.decode()
    assert "Globex" in html and "Acme - Scope" not in html
    html = c.get("/", {"segment": "SMB"}).content.decode()
    assert "Acme - Scope" in html and "Globex" not in html
    html = c.get("/", {"mine": "1"}).content.decode()
    assert "Acme - Scope" in html and "Globex" not in html


def test_outsider_gets_403_on_the_board(people: Any) -> None:
    assert client_for(people.olga).get("/").status_code == 403


def test_board_query_count_is_constant_in_the_number_of_engagements(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    c = client_for(people.erin)
    make_engagement(make_account("First"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    acc = make_account("Many")
    for i in range(30):
        eng = make_engagement(acc, path=("triage",) if i % 2 else ())
        engagement_label_set(engagement=eng, label="EM_Status::ToDo", actor=people.erin)
        engagement_label_set(engagement=eng, label="Services Calculator", actor=people.erin)
    assert queries() == few


def test_move_endpoint_returns_json_and_the_refusal_reason(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    blocked = make_engagement(em=None)
    c = client_for(people.erin)
    r = c.post(f"/engagements/{eng.pk}/move", {"to": S.AWAITING_DISCOVERY, "version": "0"})
    body = json.loads(r.content)
    assert r.status_code == 200 and body["ok"] and body["state"] == S.AWAITING_DISCOVERY
    assert f'id="card-{eng.pk}"' in body["card_html"]
    n = AuditEvent.objects.count()
    r = c.post(f"/engagements/{blocked.pk}/move", {"to": S.AWAITING_DISCOVERY})
    assert r.status_code == 409
    assert json.loads(r.content) == {
        "ok": False,
        "code": "transition_not_allowed",
        "message": "Assign an engagement manager before starting discovery.",
    }
    assert AuditEvent.objects.count() == n and Engagement.objects.get(pk=blocked.pk).state == S.OPEN


def test_detail_drawer_shows_moves_and_timeline(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(path=("triage",))
    html = client_for(people.erin).get(f"/engagements/{eng.pk}/").content.decode()
    assert "Start strawman" in html
    assert "erin moved this from Open to Awaiting Discovery" in html and "board.triage" not in html
    assert "Awaiting Discovery" in html and "proposal::Awaiting_Discovery" in html  # name, then the scoped label


def _card(html: str, eng: Any) -> str:
    return html.split(f'id="card-{eng.pk}"')[1].split("</li>")[0]


def test_cards_show_scoped_labels_sla_badge_and_margin_flag(people: Any, make_engagement: Any) -> None:
    from decimal import Decimal

    from psdesk.estimates.models import EstimateVersion
    from psdesk.estimates.testing import estimate_seed_shared

    eng = make_engagement()
    engagement_label_set(engagement=eng, label="TA::Needs-Review", actor=people.erin)
    html = client_for(people.erin).get("/").content.decode()
    assert "<b>TA</b><i>Needs-Review</i>" in _card(html, eng)
    assert 'class="sla ok" title="First EM touch"' in _card(html, eng)
    assert "margin-low" not in _card(html, eng)
    estimate_seed_shared(eng)
    EstimateVersion.objects.filter(engagement=eng).update(margin=Decimal("0.1500"))  # below the 40 % target
    html = client_for(people.erin).get("/").content.decode()
    assert 'class="margin-low"' in _card(html, eng) and "margin 15%" in _card(html, eng)


def test_board_filters_by_label_service_type_and_sla_risk(people: Any, make_account: Any, make_engagement: Any) -> None:
    from psdesk.sla.models import SlaTimer

    flagged = make_engagement(make_account("Flagged Co"))
    make_engagement(make_account("Plain Co"))
    engagement_label_set(engagement=flagged, label="RDM::needs-review", actor=people.erin)
    c = client_for(people.erin)
    html = c.get("/", {"label": "RDM::needs-review"}).content.decode()
    assert "Flagged Co" in html and "Plain Co" not in html
    SlaTimer.objects.filter(target_id=flagged.pk).update(status="at_risk")
    html = c.get("/", {"at_risk": "1"}).content.decode()
    assert "Flagged Co" in html and "Plain Co" not in html
    html = c.get("/", {"service_type": "scm_migration"}).content.decode()
    assert "Flagged Co" not in html and "Plain Co" not in html


def test_pubsec_members_can_filter_to_public_sector_cards(people: Any, make_account: Any, make_engagement: Any) -> None:
    make_engagement(make_account("Agency Q", pubsec=True), em="pat")
    make_engagement(make_account("Commercial Co"))
    html = client_for(people.pat).get("/", {"pubsec": "1"}).content.decode()
    assert "Agency Q" in html and "Commercial Co" not in html and "Public Sector US only" in html
    html = client_for(people.erin).get("/", {"pubsec": "1"}).content.decode()
    assert "Agency Q" not in html and "Public Sector US only" not in html


def test_cards_awaiting_approval_show_each_final_approval(people: Any, make_engagement: Any) -> None:
    from psdesk.board.services import engagement_approval_request

    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    engagement_approval_request(engagement=eng, kind="ps_leadership", requester=people.erin)
    card = _card(client_for(people.erin).get("/").content.decode(), eng)
    assert "PS Leadership: pending" in card and "Revenue" not in card
