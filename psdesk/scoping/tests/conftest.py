from __future__ import annotations

from typing import Any

import pytest

IMPL_ANSWERS: dict[str, Any] = {
    "license_tier": "Premium",
    "install_type": "New",
    "users": 3250,
    "ha_required": "yes",
    "geo": "yes",
    "hosting": "AWS",
    "air_gapped": "no",
    "integrations": 3,
}
MIG_ANSWERS: dict[str, Any] = {
    "source_scm": "Bitbucket Server",
    "destination": "GitLab.com SaaS",
    "users": 1000,
    "repositories": 1234,
    "large_repos": 3,
}


@pytest.fixture(autouse=True)
def _questionnaires(request: Any) -> None:
    """Transactional tests elsewhere flush the seeded questionnaires; put them back."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from psdesk.scoping.questionnaires import questionnaires_ensure

        questionnaires_ensure()


@pytest.fixture
def east(people: Any, make_account: Any) -> Any:
    """Acme Corp in erin's territory."""
    return make_account("Acme Corp", em=people.erin)


@pytest.fixture
def submit(people: Any) -> Any:
    """`submit("sam", account_id=..., service_types=[...], answers={...})` through the service."""
    from psdesk.scoping.services import scoping_request_submit

    def do(username: str = "sam", **kw: Any) -> Any:
        kw.setdefault("service_types", ["implementation"])
        return scoping_request_submit(requester=people[username], **kw)

    return do
