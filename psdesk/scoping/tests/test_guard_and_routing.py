"""The required-rows guard on the board, Ask PS routing, PubSec access, and the rules loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.engagements.models import Engagement
from psdesk.scoping.effort import RulesError
from psdesk.scoping.models import SsotRow
from psdesk.scoping.rules import rules_active, rules_load, rules_reset, rules_status
from psdesk.scoping.services import ask_ps_submit, pubsec_access_decide, pubsec_access_request, ssot_answer_set

pytestmark = pytest.mark.django_db

REQUIRED_IMPL = {
    "license_tier": "Premium",
    "install_type": "New",
    "users": 500,
    "ha_required": "no",
    "geo": "no",
    "hosting": "AWS",
    "air_gapped": "no",
}


def _move(eng: Any, action: str, who: Any) -> None:
    from psdesk.board.services import engagement_transition

    engagement_transition(engagement_id=eng.pk, action=action, actor=who, reason="r")


def test_strawman_is_refused_until_every_required_row_is_answered(people: Any, east: Any, submit: Any) -> None:
    eng = submit(account_id=east.pk, answers={"implementation": {"license_tier": "Premium", "users": 500}}).engagement
    _move(eng, "triage", people.erin)
    n = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as exc:
        _move(eng, "start_strawman", people.erin)
    assert exc.value.message == (
        "Answer the required scoping questions first (5 open): New installation or scaling an existing instance?; "
        "Is there a hard high-availability requirement?; Geo secondary site (performance or disaster recovery)?; "
        "Hosting target; Is the environment air-gapped?."
    )
    assert Engagement.objects.get(pk=eng.pk).state == "awaiting_discovery"
    assert AuditEvent.objects.count() == n
    for key in ("install_type", "ha_required", "geo", "hosting", "air_gapped"):
        row = SsotRow.objects.get(engagement=eng, key=key)
        ssot_answer_set(row_id=row.pk, response=REQUIRED_IMPL[key], actor=people.erin)
    _move(eng, "start_strawman", people.erin)
    assert Engagement.objects.get(pk=eng.pk).state == "strawman_wip"


def test_an_engagement_without_ssot_table_is_not_blocked(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(path=("triage", "start_strawman"))
    assert eng.state == "strawman_wip"


def test_an_account_question_goes_to_the_territory_em(people: Any, east: Any) -> None:
    from psdesk.notifications.models import Notification

    req = ask_ps_submit(
        asker=people.tom, kind="account", subject="Migration help?", body="Can PS help?", account_id=east.pk
    )
    assert (req.route, req.routed_to) == ("em", people.erin)
    assert list(Notification.objects.filter(event="ask_ps.question").values_list("recipient__username", flat=True)) == [
        "erin"
    ]
    assert AuditEvent.objects.filter(verb="scoping.ask_ps").count() == 1


def test_a_general_question_goes_to_the_ps_channel(people: Any) -> None:
    from psdesk.notifications.models import OutboxMessage

    req = ask_ps_submit(asker=people.tom, kind="general", subject="Do we do Jira?", body="Integrations?")
    assert (req.route, req.routed_to) == ("ps_channel", None)
    chats = list(OutboxMessage.objects.filter(target="chat").values_list("destination", flat=True))
    assert chats and "#professional-services-us-pubsec" not in chats


def test_a_pubsec_account_question_goes_only_to_the_private_channel(people: Any, make_account: Any) -> None:
    from psdesk.notifications.models import OutboxMessage

    agency = make_account("Agency", pubsec=True, em=people.pat)
    req = ask_ps_submit(asker=people.pat, kind="account", subject="Need help", body="...", account_id=agency.pk)
    assert req.route == "pubsec_channel"
    assert set(OutboxMessage.objects.filter(target="chat").values_list("destination", flat=True)) == {
        "#professional-services-us-pubsec"
    }
    with pytest.raises(NotFound):
        ask_ps_submit(asker=people.tom, kind="account", subject="x", body="y", account_id=agency.pk)


def test_ask_ps_refuses_bad_input(people: Any) -> None:
    with pytest.raises(ValidationFailed):
        ask_ps_submit(asker=people.tom, kind="account", subject="x", body="y")
    with pytest.raises(ValidationFailed):
        ask_ps_submit(asker=people.tom, kind="gossip", subject="x", body="y")
    with pytest.raises(ValidationFailed):
        ask_ps_submit(asker=people.tom, kind="general", subject=" ", body="y")


def test_a_ps_ops_manager_grants_pubsec_access_and_it_is_audited(people: Any) -> None:
    from psdesk.accounts.selectors import user_is_pubsec

    req = pubsec_access_request(user=people.tom, justification="Supporting the agency renewal")
    with pytest.raises(Conflict):
        pubsec_access_request(user=people.tom, justification="again")
    with pytest.raises(PermissionDenied):
        pubsec_access_decide(request_id=req.pk, grant=True, actor=people.erin)
    first = pubsec_access_decide(request_id=req.pk, grant=True, actor=people.oscar, reason="ok")
    assert first.status == "awaiting_second"
    decided = pubsec_access_decide(request_id=req.pk, grant=True, actor=people.leo, reason="confirmed")
    assert decided.status == "granted"
    people.tom.refresh_from_db()
    if hasattr(people.tom, "_psdesk_roles"):
        del people.tom._psdesk_roles
    assert user_is_pubsec(people.tom)
    assert AuditEvent.objects.filter(verb="accounts.pubsec_membership_set", target_id=str(people.tom.pk)).count() == 1
    steps = AuditEvent.objects.filter(verb="scoping.pubsec_access_decided").order_by("seq")
    assert [(ev.actor_label, ev.before["status"], ev.after) for ev in steps] == [
        ("oscar", "pending", {"status": "awaiting_second", "user": people.tom.pk}),
        ("leo", "awaiting_second", {"status": "granted", "user": people.tom.pk}),
    ]
    with pytest.raises(Conflict):
        pubsec_access_decide(request_id=req.pk, grant=False, actor=people.oscar, reason="changed my mind")


def test_denying_needs_a_reason_and_grants_nothing(people: Any) -> None:
    req = pubsec_access_request(user=people.cody, justification="curious")
    with pytest.raises(ValidationFailed):
        pubsec_access_decide(request_id=req.pk, grant=False, actor=people.oscar)
    denied = pubsec_access_decide(request_id=req.pk, grant=False, actor=people.oscar, reason="no PubSec work")
    assert denied.status == "denied"
    assert not people.cody.groups.filter(name="us_public_sector").exists()
    assert not AuditEvent.objects.filter(verb="accounts.pubsec_membership_set").exists()


def test_pubsec_access_api(api: Any, people: Any) -> None:
    r = api("cody").post("/api/v1/scoping/pubsec-access-requests", {"justification": "agency project"})
    assert r.status_code == 201
    rid = r.json()["id"]
    assert (
        api("erin").post(f"/api/v1/scoping/pubsec-access-requests/{rid}/decision", {"grant": True}).status_code == 403
    )
    r = api("oscar").post(f"/api/v1/scoping/pubsec-access-requests/{rid}/decision", {"grant": True})
    assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (200, "awaiting_second", None)
    r = api("leo").post(f"/api/v1/scoping/pubsec-access-requests/{rid}/decision", {"grant": True})
    assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (200, "granted", "leo")


def test_malformed_rules_keep_the_previous_rules_active(tmp_path: Path, settings: Any) -> None:
    rules_reset()
    good = rules_active()
    bad = tmp_path / "effort_rules.yaml"
    bad.write_text(
        "service_types:\n  implementation:\n    activities:\n      - {id: x, description: X, role: Wizard}\n"
    )
    with pytest.raises(RulesError) as exc:
        rules_load(bad)
    assert (exc.value.line, exc.value.reason) == (4, "unknown role 'Wizard' (known: PSE, PM, TA, Trainer, EM)")
    assert str(bad) in str(exc.value)
    active, error = rules_status()
    assert active is good and error is exc.value
    settings.PSDESK_EFFORT_RULES = str(bad)
    assert rules_active() is good  # the file changed but is malformed: previous rules stay
    rules_reset()


def test_without_any_valid_rules_answers_still_save_and_the_estimate_says_why(
    tmp_path: Path, settings: Any, people: Any, east: Any, submit: Any, api: Any
) -> None:
    eng = submit(account_id=east.pk).engagement
    bad = tmp_path / "rules.yaml"
    bad.write_text("service_types: [\n")
    settings.PSDESK_EFFORT_RULES = str(bad)
    rules_reset()
    try:
        r = api("erin").get(f"/api/v1/scoping/engagements/{eng.pk}/estimate")
        assert r.status_code == 422 and r.json()["code"] == "effort_rules_invalid"
        assert r.json()["details"]["line"] == 2
        row = SsotRow.objects.get(engagement=eng, key="users")
        assert ssot_answer_set(row_id=row.pk, response=10, actor=people.erin).row.response == "10"
    finally:
        rules_reset()


@pytest.mark.parametrize(("who", "status"), [("tom", 201), ("cody", 201), ("lena", 201), ("olga", 403)])
def test_every_employee_may_ask_ps_but_not_an_outsider(api: Any, who: str, status: int) -> None:
    r = api(who).post("/api/v1/scoping/ask-ps", {"kind": "general", "subject": "Hello", "body": "Question"})
    assert r.status_code == status
    assert api("olga").post("/api/v1/scoping/pubsec-access-requests", {"justification": "x"}).status_code == 403


def test_ask_ps_api_routes_an_account_request_to_the_em(api: Any, east: Any, people: Any, make_account: Any) -> None:
    r = api("tom").post(
        "/api/v1/scoping/ask-ps", {"kind": "account", "subject": "S", "body": "B", "account_id": east.pk}
    )
    assert (r.status_code, r.json()["route"], r.json()["routed_to"]) == (201, "em", "erin")
    agency = make_account("Agency", pubsec=True, em=people.pat)
    hidden = {"kind": "account", "subject": "S", "body": "B", "account_id": agency.pk}
    assert api("erin").post("/api/v1/scoping/ask-ps", hidden).status_code == 404
    assert api("pat").post("/api/v1/scoping/ask-ps", hidden).json()["route"] == "pubsec_channel"
