"""The delivery API per role (incl. the outsider olga and PubSec isolation) and the close-out path:
Close needs every milestone accepted (and every registered check), Complete the checklist."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from psdesk.audit.models import AuditEvent
from psdesk.crm.models import Account
from psdesk.delivery import services
from psdesk.delivery.selectors import CLOSE_OUT_CHECKS
from psdesk.delivery.tests.conftest import SIGNER
from psdesk.notifications.models import Notification, OutboxMessage


def _token() -> str:
    msg = OutboxMessage.objects.filter(event="milestone.completion_notice").latest("id")
    found = re.search(r"/r/acceptance/([^/\s]+)/", msg.payload["body"])
    assert found
    return found.group(1)


def test_the_api_by_role_and_the_close_out_path(project: Any, api: Any, people: Any) -> None:
    base = f"/api/v1/delivery/projects/{project.pk}"
    m1, m2 = project.milestones.order_by("position")

    got = api("paula").get(base)
    assert got.status_code == 200, got.content
    body = got.json()
    assert [m["name"] for m in body["milestones"]] == ["Implementation", "Migration"]
    assert body["budget"]["hours"] == "88.00" and body["budget"]["fee"] == "29040.00"
    assert body["close_refusal"] == "Milestones not accepted yet: Implementation; Migration."
    assert api("olga").get(base).status_code == 403
    assert api("cody").get(f"/api/v1/delivery/milestones/{m1.pk}").status_code == 200

    # only the project manager (coordinator) completes; the EM may not
    assert api("erin").post(f"/api/v1/delivery/milestones/{m1.pk}/complete", {}).status_code == 403
    assert api("olga").post(f"/api/v1/delivery/milestones/{m1.pk}/complete", {}).status_code == 403
    stale = api("paula").post(f"/api/v1/delivery/milestones/{m1.pk}/complete", {"expected_version": 9})
    assert stale.status_code == 409
    done = api("paula").post(f"/api/v1/delivery/milestones/{m1.pk}/complete", {"note": "Done."})
    assert done.status_code == 200 and done.json()["status"] == "awaiting_acceptance"
    again = api("paula").post(f"/api/v1/delivery/milestones/{m1.pk}/complete", {})
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed", again.json()
    services.milestone_accept_by_link(token=_token(), name="Carl")

    # the close is refused while milestone 2 is open, and by a registered check (e.g. time approval)
    refused = api("paula").post(f"{base}/close")
    assert refused.status_code == 409 and "Migration" in refused.json()["message"]
    services.milestone_complete(milestone_id=m2.pk, actor=people.paula)
    services.milestone_accept_by_link(token=_token(), name="Carl")

    def time_unapproved(p: Any) -> str:
        return "Approve the last week of time first."

    services.register_close_out_check(time_unapproved)
    try:
        blocked = api("paula").post(f"{base}/close")
    finally:
        CLOSE_OUT_CHECKS.remove(time_unapproved)
    assert blocked.status_code == 409 and blocked.json()["message"] == "Approve the last week of time first."
    closed = api("paula").post(f"{base}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.json()
    assert closed.json()["complete_refusal"].startswith("Finish the close-out checklist first: Final report")

    # the checklist, then Completed
    bad = api("paula").put(f"{base}/close-out/nope", {"done": True})
    assert bad.status_code == 422 and bad.json()["details"] == {"field": "key"}
    assert api("erin").put(f"{base}/close-out/final_report", {"done": True}).status_code == 403
    for key, note in (
        ("final_report", "Final report sent 2026-11-27"),
        ("satisfaction", "https://survey.example/acme"),
        ("lessons_learned", "Start the Geo replica earlier."),
    ):
        r = api("paula").put(f"{base}/close-out/{key}", {"done": True, "note": note})
        assert r.status_code == 200, r.content
    completed = api("paula").post(f"{base}/complete")
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    verbs = set(AuditEvent.objects.filter(verb__startswith="projects.").values_list("verb", flat=True))
    assert {"projects.close", "projects.complete"} <= verbs

    billed = api("rita").get("/api/v1/delivery/billable-events").json()
    assert billed["count"] == 2
    assert sorted(Decimal(i["amount"]) for i in billed["items"]) == [Decimal("10560.00"), Decimal("15840.00")]


def test_a_pubsec_project_is_invisible_to_non_members_everywhere(project: Any, api: Any, people: Any) -> None:
    Account.objects.filter(pk=project.account_id).update(us_public_sector=True)
    m1 = project.milestones.get(position=1)
    for who in ("erin", "leo", "paula", "olga"):
        assert api(who).get(f"/api/v1/delivery/projects/{project.pk}").status_code in (403, 404), who
        assert api(who).get(f"/api/v1/delivery/milestones/{m1.pk}").status_code in (403, 404), who
    assert api("paula").get(f"/api/v1/delivery/projects/{project.pk}").status_code == 404
    assert api("paula").post(f"/api/v1/delivery/milestones/{m1.pk}/complete", {}).status_code == 404
    assert api("pat").get(f"/api/v1/delivery/projects/{project.pk}").status_code == 200

    # the system still runs the milestone for PubSec members only: a member completes it
    from psdesk.accounts.personas import Persona
    from psdesk.accounts.services import persona_ensure

    pm = persona_ensure(Persona("pia", "Pia PubSec PM", ("ps-scheduling", "us_public_sector")), password=None)
    services.milestone_complete(milestone_id=m1.pk, actor=pm)
    notice = OutboxMessage.objects.get(event="milestone.completion_notice")
    assert notice.pubsec is True and notice.payload["to"] == [SIGNER]
    services.milestone_accept_by_link(token=_token(), name="Carl")
    told = set(Notification.objects.filter(event="milestone.accepted").values_list("recipient__username", flat=True))
    assert "oscar" not in told and "erin" not in told  # PS Ops and the EM are not PubSec members
    assert api("oscar").get("/api/v1/delivery/billable-events").json()["count"] == 0
    assert api("pat").get("/api/v1/delivery/billable-events").json()["count"] == 1
