from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def pat_leads(people: Any) -> Any:
    """pat (an EM and a US PubSec member) also in PS Leadership: the PubSec member who sees the dashboard."""
    from django.contrib.auth.models import Group

    people.pat.groups.add(Group.objects.get(name="ps_leadership"))
    return people.pat
