"""US PubSec memberships expire (policy days), stop granting visibility when expired, and are
renewed or revoked by PS Ops on the recertification page — never one's own, always audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from psdesk.accounts.models import AccessPolicy, PubSecMembership
from psdesk.accounts.selectors import pubsec_review_list, user_is_pubsec
from psdesk.accounts.services import pubsec_membership_grant
from psdesk.audit.models import AuditEvent
from psdesk.crm.models import Account

pytestmark = pytest.mark.django_db


def _fresh(user: Any) -> Any:
    return type(user).objects.get(pk=user.pk)


def _web(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_grant_lasts_the_policy_days_and_an_expired_membership_sees_nothing(
    frozen_clock: Any, people: Any, api: Any
) -> None:
    AccessPolicy.objects.update(pubsec_membership_days=90)
    m = pubsec_membership_grant(user=people.erin, actor=people.oscar, reason="agency")
    assert m.expires_at == frozen_clock.at + timedelta(days=90)
    Account.objects.create(name="Agency of Things", us_public_sector=True)
    names = [a["name"] for a in api("erin").get("/api/v1/crm/accounts").json()["items"]]
    assert "Agency of Things" in names
    frozen_clock.advance(days=90)
    assert not user_is_pubsec(_fresh(people.erin))
    names = [a["name"] for a in api("erin").get("/api/v1/crm/accounts").json()["items"]]
    assert "Agency of Things" not in names
    assert [(r.user.username, r.state) for r in pubsec_review_list() if r.user == people.erin] == [("erin", "expired")]


def test_ps_ops_renew_an_expired_membership_on_the_review_page_and_it_is_audited(
    frozen_clock: Any, people: Any
) -> None:
    pubsec_membership_grant(user=people.tom, actor=people.oscar)
    frozen_clock.advance(days=200)
    page = _web(people.oscar).get("/accounts/pubsec-review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-user="tom"' in html and "Expired — no access" in html
    r = _web(people.oscar).post(f"/accounts/pubsec-review/{people.tom.pk}/renew", {"reason": "still on the agency"})
    assert r.status_code == 302
    m = PubSecMembership.objects.get(user=people.tom)
    assert (m.reviewed_by, m.expires_at) == (people.oscar, frozen_clock.at + timedelta(days=180))
    assert user_is_pubsec(_fresh(people.tom))
    ev = AuditEvent.objects.get(verb="accounts.pubsec_membership_renewed")
    assert (ev.actor_label, ev.reason, ev.target_id) == ("oscar", "still on the agency", str(people.tom.pk))


def test_revoking_needs_a_reason_ends_visibility_and_is_audited(people: Any) -> None:
    web = _web(people.oscar)
    assert user_is_pubsec(people.pat)
    web.post(f"/accounts/pubsec-review/{people.pat.pk}/revoke", {"reason": ""})
    assert user_is_pubsec(_fresh(people.pat))
    assert not AuditEvent.objects.filter(verb="accounts.pubsec_membership_revoked").exists()
    web.post(f"/accounts/pubsec-review/{people.pat.pk}/revoke", {"reason": "left the PubSec team"})
    pat = _fresh(people.pat)
    assert not user_is_pubsec(pat)
    assert not pat.groups.filter(name="us_public_sector").exists()
    assert PubSecMembership.objects.get(user=pat).revoked_at is not None
    ev = AuditEvent.objects.get(verb="accounts.pubsec_membership_revoked")
    assert (ev.before, ev.after, ev.reason) == ({"member": True}, {"member": False}, "left the PubSec team")


def test_nobody_recertifies_their_own_membership_and_other_roles_cannot_open_the_page(people: Any) -> None:
    pubsec_membership_grant(user=people.oscar, actor=people.leo)
    r = _web(people.oscar).post(f"/accounts/pubsec-review/{people.oscar.pk}/renew", {"reason": "me"})
    assert r.status_code == 302
    assert not AuditEvent.objects.filter(verb="accounts.pubsec_membership_renewed").exists()
    for who in ("pat", "erin", "olga", "leo"):
        assert _web(people[who]).get("/accounts/pubsec-review/").status_code == 403
        assert _web(people[who]).post(f"/accounts/pubsec-review/{people.tom.pk}/renew").status_code == 403


def test_the_role_without_a_recorded_grant_gives_no_visibility_and_is_listed(people: Any) -> None:
    from django.contrib.auth.models import Group

    people.tom.groups.add(Group.objects.get(name="us_public_sector"))
    tom = _fresh(people.tom)
    assert not user_is_pubsec(tom)
    assert ("tom", "unrecorded") in [(r.user.username, r.state) for r in pubsec_review_list()]


def test_the_review_page_is_in_the_navigation_for_ps_ops(people: Any) -> None:
    assert 'href="/accounts/pubsec-review/"' in _web(people.oscar).get("/accounts/profile/").content.decode()
    assert 'href="/accounts/pubsec-review/"' not in _web(people.erin).get("/accounts/profile/").content.decode()
