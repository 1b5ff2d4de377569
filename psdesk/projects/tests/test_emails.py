"""The welcome email a customer can read (HTML with a plain-text alternative, over real SMTP on
loopback), and the project page's list of the project's emails with their delivery status, which
the Project Coordinator sees without the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from psdesk.crm.services import opportunity_transition
from psdesk.notifications.delivery import outbox_deliver_one
from psdesk.projects import services
from psdesk.projects.models import Project
from psdesk.projects.tests.conftest import Inbox, _free_port

pytestmark = pytest.mark.django_db
SITE = "http://ps.example.test:8001"


class RefusingInbox(Inbox):
    """Accepts mail until `refuse` is set; then refuses every recipient (550), as a mail server does
    for an address it does not know."""

    refuse = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def mail_server(settings: Any) -> Iterator[RefusingInbox]:
    inbox = RefusingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def project(opportunity: Any, people: Any) -> Project:
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.alice)
    p = Project.objects.get(opportunity=opportunity)
    services.contact_add(
        project_id=p.pk, name="Casey Customer", email="casey@acme.example", role="champion", actor=people.paula
    )
    return p


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@override_settings(PSDESK_SITE_URL=SITE)
def test_the_welcome_email_is_multipart_alternative_with_branding_team_next_steps_and_the_link(
    project: Project, people: Any, mail_server: RefusingInbox
) -> None:
    email = services.welcome_send(project_id=project.pk, actor=people.paula)
    assert email.outbox_message_id is not None
    assert outbox_deliver_one(message_id=email.outbox_message_id).result == "sent"
    [envelope] = mail_server.messages
    msg = message_from_bytes(envelope.original_content, policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == "Welcome to GitLab Professional Services — Acme Corp"
    plain, rich = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and rich is not None
    text = plain.get_content().replace("\r\n", "\n")
    html = rich.get_content().replace("\r\n", "\n")
    link = f"{SITE}/projects/{project.pk}/"
    assert text.startswith("Hello Casey Customer,\n\nWelcome to GitLab Professional Services!")
    assert "- Project Coordinator: Paula Park <paula@psdesk.example>" in text
    assert "- Account Executive: Alice Archer <alice@psdesk.example>" in text
    assert "1. We confirm the project team and propose a start date with you." in text
    assert f"the project in PS Desk: {link}" in text and text.rstrip().endswith("GitLab Inc.")
    assert ">GitLab</td>" in html and "Welcome to GitLab Professional Services</h1>" in html
    assert "Paula Park" in html and "<ol" in html and "GitLab Champion" in html
    assert f'href="{link}"' in html


def test_an_admin_template_replaces_the_text_of_both_parts(project: Project, people: Any) -> None:
    from psdesk.projects.models import WelcomeTemplate
    from psdesk.projects.selectors import welcome_render

    WelcomeTemplate.objects.create(kind="consulting", subject="Hi {{ account.name }}", body="Dear {{ brand }} customer")
    draft = welcome_render(project=project)
    assert (draft.subject, draft.body.splitlines()[0]) == ("Hi Acme Corp", "Dear GitLab customer")
    assert "Dear GitLab customer" in draft.html and "Next steps" not in draft.html


def test_the_coordinator_sees_each_email_of_the_project_queued_sent_or_failed_with_the_reason(
    project: Project, people: Any, mail_server: RefusingInbox
) -> None:
    first = services.welcome_send(project_id=project.pk, actor=people.paula)
    assert first.outbox_message_id is not None
    assert outbox_deliver_one(message_id=first.outbox_message_id).result == "sent"
    second = services.welcome_send(project_id=project.pk, actor=people.paula, resend_reason="customer lost it")
    assert second.outbox_message_id is not None
    mail_server.refuse = True
    outbox_deliver_one(message_id=second.outbox_message_id)
    services.welcome_send(project_id=project.pk, actor=people.paula, resend_reason="new address")
    page = _client(people.paula).get(f"/projects/{project.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('<section id="emails">') :]
    assert [s for s in ("sent", "failed", "queued") if f'data-status="{s}"' in section] == ["sent", "failed", "queued"]
    assert (
        section.index('data-status="sent"')
        < section.index('data-status="failed"')
        < section.index('data-status="queued"')
    )
    assert "<strong>Failed</strong>: SMTP refused recipients" in section and "casey@acme.example" in section
    assert "Welcome to GitLab Professional Services — Acme Corp" in section
    assert _client(people.paula).get("/notifications/outbox/").status_code == 403


def test_the_emails_of_a_project_are_not_shown_to_someone_who_cannot_see_the_project(
    project: Project, people: Any
) -> None:
    services.welcome_send(project_id=project.pk, actor=people.paula)
    assert _client(people.olga).get(f"/projects/{project.pk}/").status_code in (403, 404)
