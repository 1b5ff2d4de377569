"""TA threshold (strictly greater), TA approval tied to a version, margin flag, and the board guards.

The guards are called as the engagement workflow calls them (`guard(engagement, MoveContext)`): the board
app sits above this one, so moving real cards is covered by tests/browser/test_estimate_journey.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import PermissionDenied, ValidationFailed
from psdesk.core.workflow import MoveContext
from psdesk.engagements.labels import label_move
from psdesk.engagements.models import EngagementLabel
from psdesk.estimates.models import EstimatePolicy, EstimateReview
from psdesk.estimates.selectors import (
    estimate_agreed_and_ta_approved_refusal,
    estimate_margin_flag,
    estimate_shared_with_lines_refusal,
)
from psdesk.estimates.services import (
    customer_agreement_record,
    estimate_review_record,
    estimate_version_create,
    estimate_version_share,
)
from psdesk.estimates.tests.conftest import L

pytestmark = pytest.mark.django_db


def _labels(eng: Any) -> list[str]:
    return sorted(EngagementLabel.objects.filter(engagement=eng).values_list("name", flat=True))


def _shared(people: Any, eng: Any, hours: str, **kw: Any) -> Any:
    v = estimate_version_create(
        engagement_id=eng.pk, actor=people.erin, pricing_model="tm", lines=[L("Plan", "PM", hours)], **kw
    )
    return estimate_version_share(version_id=v.pk, actor=people.erin)


def _start_sow(eng: Any) -> str | None:
    return estimate_agreed_and_ta_approved_refusal(eng, MoveContext(actor=None))


def _request_feedback(eng: Any) -> str | None:
    return estimate_shared_with_lines_refusal(eng, MoveContext(actor=None))


def _agree(shared: Any) -> None:
    customer_agreement_record(token=shared.token, name="Carol Customer", email="carol@acme.example")


def test_a_total_equal_to_the_threshold_needs_no_ta_review(people: Any, strawman: Any, notes: Any) -> None:
    s = _shared(people, strawman, "200")  # 200 h x 250 = 50,000.00 exactly
    assert s.version.price == Decimal("50000.00")
    assert _labels(strawman) == []
    assert "estimate.ready_for_review" not in notes.events()
    _agree(s)
    assert _start_sow(strawman) is None


def test_a_total_one_cent_above_the_threshold_needs_ta_review_and_notifies_the_tas(
    people: Any, strawman: Any, notes: Any
) -> None:
    s = _shared(people, strawman, "200.01")  # 50,002.50
    assert s.version.price == Decimal("50002.50")
    assert _labels(strawman) == ["TA::Needs-Review"]
    (note,) = [n for n in notes if n["event"] == "estimate.ready_for_review"]
    assert note["recipients"] == ["tara"] and note["target"] == strawman
    assert AuditEvent.objects.filter(verb="engagements.label_set", after={"label": "TA::Needs-Review"}).count() == 1


def test_the_threshold_is_policy(people: Any, strawman: Any) -> None:
    EstimatePolicy.objects.update(ta_threshold=Decimal("1000.00"))
    _shared(people, strawman, "4.01")  # 1,002.50
    assert _labels(strawman) == ["TA::Needs-Review"]


def test_start_sow_over_the_threshold_needs_ta_approval_of_the_agreed_version(
    people: Any, strawman: Any, notes: Any
) -> None:
    s1 = _shared(people, strawman, "240")  # 60,000
    _agree(s1)
    assert _start_sow(strawman) == (
        "Estimate v1 totals USD 60,000.00, above the TA threshold of USD 50,000.00: "
        "a Technical Architect must approve v1."
    )

    estimate_review_record(version_id=s1.version.pk, actor=people.tara, decision="approved")
    assert _labels(strawman) == ["TA::Approved"]
    ev = AuditEvent.objects.filter(verb="estimates.ta_reviewed").get()
    assert ev.after == {"version": 1, "decision": "approved", "comment": ""} and ev.actor_id == people.tara.pk
    assert [n["recipients"] for n in notes if n["event"] == "approval.decided"] == [["erin"]]
    assert _start_sow(strawman) is None


def test_ta_approval_belongs_to_the_version_a_new_version_needs_a_new_approval(people: Any, strawman: Any) -> None:
    s1 = _shared(people, strawman, "240")
    estimate_review_record(version_id=s1.version.pk, actor=people.tara, decision="approved")
    s2 = _shared(people, strawman, "260")  # v2, 65,000: the v1 approval does not carry over
    assert _labels(strawman) == ["TA::Needs-Review"]
    _agree(s2)
    assert (_start_sow(strawman) or "").endswith("must approve v2.")
    estimate_review_record(version_id=s2.version.pk, actor=people.tara, decision="approved")
    assert _start_sow(strawman) is None


def test_a_ta_requesting_changes_needs_a_comment_and_withdraws_approval(people: Any, strawman: Any) -> None:
    s1 = _shared(people, strawman, "240")
    with pytest.raises(ValidationFailed, match="Say what should change"):
        estimate_review_record(version_id=s1.version.pk, actor=people.tara, decision="changes_requested")
    assert EstimateReview.objects.count() == 0
    estimate_review_record(version_id=s1.version.pk, actor=people.tara, decision="approved")
    estimate_review_record(
        version_id=s1.version.pk, actor=people.tara, decision="changes_requested", comment="Add a cut-over rehearsal"
    )
    assert _labels(strawman) == ["TA::Needs-Review"]


def test_only_technical_architects_review(people: Any, strawman: Any) -> None:
    s1 = _shared(people, strawman, "240")
    for who in ("erin", "leo", "olga"):
        with pytest.raises(PermissionDenied):
            estimate_review_record(version_id=s1.version.pk, actor=people[who], decision="approved")
    assert EstimateReview.objects.count() == 0


def test_requesting_feedback_needs_a_shared_version_with_lines(people: Any, strawman: Any) -> None:
    assert _request_feedback(strawman) == "Share an estimate version with at least one line with the customer first."
    estimate_version_create(engagement_id=strawman.pk, actor=people.erin)  # a draft is not enough
    assert _request_feedback(strawman) is not None
    _shared(people, strawman, "10")
    assert _request_feedback(strawman) is None


def test_start_sow_needs_a_recorded_customer_agreement(people: Any, strawman: Any) -> None:
    _shared(people, strawman, "10")
    assert (
        _start_sow(strawman) == "Record the customer's agreement to the price and scope of an estimate version first."
    )


def test_the_margin_flag_shows_below_target_and_blocks_nothing(people: Any, strawman: Any) -> None:
    assert estimate_margin_flag(strawman) is None
    estimate_version_create(engagement_id=strawman.pk, actor=people.erin)  # margin 63.94 %
    assert estimate_margin_flag(strawman) is None
    EstimatePolicy.objects.update(target_margin=Decimal("0.7000"))
    flag = estimate_margin_flag(strawman)
    assert flag is not None
    assert (flag.version_number, flag.margin, flag.target) == (1, Decimal("0.6394"), Decimal("0.7000"))
    assert str(flag) == "Margin 63.9% below target 70% (v1)"
    s = estimate_version_share(version_id=strawman.estimate_versions.get().pk, actor=people.erin)
    assert s.version.is_shared  # nothing blocked


def test_ta_assistance_can_be_asked_at_any_time_and_marked_done_by_a_ta(
    people: Any, make_engagement: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psdesk.notifications.services as ns

    sent: list[dict[str, Any]] = []
    real = ns.notify

    def record(**kw: Any) -> Any:
        sent.append({**kw, "recipients": [u.username for u in kw["recipients"]]})
        return real(**kw)

    monkeypatch.setattr(ns, "notify", record)
    eng = make_engagement()  # still Open
    label_move(engagement_id=eng.pk, scope="Scoping", action="request_assistance", actor=people.erin, reason="Geo")
    assert _labels(eng) == ["Scoping::Needs_TA_Assistance"]
    assert [n["recipients"] for n in sent if n["event"] == "ta.assistance_requested"] == [["tara"]]
    label_move(engagement_id=eng.pk, scope="Scoping", action="assisted", actor=people.tara)
    assert _labels(eng) == ["Scoping::TA_Assisted"]


def test_a_pubsec_engagement_is_not_found_for_a_non_member(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    from psdesk.core.errors import NotFound

    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    with pytest.raises(NotFound):
        estimate_version_create(engagement_id=eng.pk, actor=people.erin)
    v = estimate_version_create(engagement_id=eng.pk, actor=people.pat)
    assert v.number == 1  # pat is a member
