from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity


@pytest.fixture
def opportunity(people: Any, make_account: Any) -> Opportunity:
    acc = make_account("Acme Corp")
    return Opportunity.objects.create(
        name="Acme Corp- Professional Services 11/26",
        account=acc,
        owner=people.alice,
        record_type=RecordType.LICENSE,
        stage=OpportunityStage.PROPOSAL,
    )


def _free_port() -> int:
    for port in range(20025, 20525):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, and Django's SMTP mailer pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield inbox, port
    finally:
        controller.stop()
