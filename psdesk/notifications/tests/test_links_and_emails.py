"""Notifications that lead somewhere and emails a person can read: every notification links to its
object on PSDESK_SITE_URL, every email is HTML with a plain-text alternative, and the outbox page
shows payloads as readable fields."""

from __future__ import annotations

import base64
import importlib
from typing import Any

import pytest
from django.test import Client, override_settings

from psdesk.crm.choices import RecordType
from psdesk.crm.models import Opportunity
from psdesk.notifications.links import link_for, site_url
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.notifications.services import notify, outbox_enqueue

pytestmark = pytest.mark.django_db
SITE = "http://ps.example.test:8001"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@override_settings(PSDESK_SITE_URL=SITE)
def test_a_notification_about_an_engagement_links_to_its_card_on_the_site_url(engagement: Any, people: Any) -> None:
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    notify(event="estimate.ready_for_review", target=engagement, actor=people.tara)
    card = f"{SITE}/engagements/{engagement.pk}/"
    assert set(Notification.objects.values_list("url", flat=True)) == {card}
    mail = OutboxMessage.objects.filter(target="email").first()
    assert mail is not None
    assert card in mail.payload["body"] and f'href="{card}"' in mail.payload["html"]
    chat = OutboxMessage.objects.get(target="chat")
    assert f"<{card}|Open in PS Desk>" in chat.payload["text"]


@override_settings(PSDESK_SITE_URL="https://ps.example.com/")
def test_links_follow_the_setting_and_objects_without_a_page_method_still_link(people: Any, make_account: Any) -> None:
    acc = make_account("Acme Corp", owner=people.alice)
    opp = Opportunity.objects.create(name="Acme PS", account=acc, owner=people.alice, record_type=RecordType.LICENSE)
    assert link_for(opp) == f"https://ps.example.com/crm/opportunities/{opp.pk}/"
    assert link_for(acc) == f"https://ps.example.com/crm/accounts/{acc.pk}/"
    assert link_for(opp, "/board/") == "https://ps.example.com/board/"
    assert link_for(None) == "" and site_url("") == ""


def test_the_site_url_comes_from_the_environment_and_a_path_is_refused(monkeypatch: Any) -> None:
    import config.settings as config_settings

    monkeypatch.setenv("PSDESK_SITE_URL", "http://127.0.0.1:8001/")
    assert importlib.reload(config_settings).PSDESK_SITE_URL == "http://127.0.0.1:8001"
    assert "http://127.0.0.1:8001" in config_settings.CSRF_TRUSTED_ORIGINS
    monkeypatch.setenv("PSDESK_SITE_URL", "127.0.0.1:8001/psdesk")
    with pytest.raises(RuntimeError, match="PSDESK_SITE_URL must look like"):
        importlib.reload(config_settings)
    monkeypatch.delenv("PSDESK_SITE_URL")
    assert importlib.reload(config_settings).PSDESK_SITE_URL == "http://127.0.0.1:8000"


def test_every_notification_email_is_html_with_the_same_text(engagement: Any, people: Any) -> None:
    OutboxMessage.objects.all().delete()
    notify(event="sow.released", target=engagement, actor=people.sam, context={"version": 2})
    mail = OutboxMessage.objects.filter(target="email", destination=people.erin.email).get()
    text, html = mail.payload["body"], mail.payload["html"]
    assert text.startswith("SOW released: Acme Corp - Scope Issue and Write SOW (by Sam Sato).")
    assert "Notification preferences: http://" in text
    assert html.startswith("<!DOCTYPE html>") and "<h1" in html and "SOW released" in html
    assert "Acme Corp - Scope Issue and Write SOW (by Sam Sato)." in html


def test_the_outbox_shows_an_email_as_fields_not_a_dict(people: Any) -> None:
    pdf = base64.b64encode(b"%PDF-1.4 x").decode()
    msg = outbox_enqueue(
        target="email",
        operation="send",
        destination="carl@acme.example",
        event="sow.released",
        payload={
            "to": ["carl@acme.example"],
            "cc": ["erin@psdesk.example"],
            "subject": "Statement of Work SOW-7 for signature",
            "body": "Dear Carl,\n\nPlease find attached the SOW.",
            "html": "<p>Dear Carl</p>",
            "attachments": [{"filename": "SOW-7-v1.pdf", "mimetype": "application/pdf", "content_b64": pdf}],
        },
    )
    for url in ("/notifications/outbox/", f"/notifications/outbox/{msg.pk}/"):
        html = _client(people.oscar).get(url).content.decode()
        assert "carl@acme.example" in html and "Statement of Work SOW-7 for signature" in html
        assert "Dear Carl," in html and "SOW-7-v1.pdf" in html
        assert "{&#x27;to&#x27;" not in html and "{'to'" not in html and pdf not in html


def test_the_project_coordinator_still_cannot_open_the_whole_outbox(people: Any) -> None:
    msg = outbox_enqueue(target="email", operation="send", payload={"to": ["a@b.example"], "subject": "s", "body": "b"})
    assert _client(people.paula).get("/notifications/outbox/").status_code == 403
    assert _client(people.paula).get(f"/notifications/outbox/{msg.pk}/").status_code == 403
