from __future__ import annotations

import pytest
from django.core.management import call_command

from psdesk.sla.models import SlaPolicy


@pytest.mark.django_db(transaction=True)
def test_a_flush_restores_the_seeded_defaults_and_role_permissions() -> None:
    from django.contrib.auth.models import Group

    call_command("flush", "--no-input", verbosity=0)
    assert set(SlaPolicy.objects.values_list("key", flat=True)) >= {"first_em_touch", "welcome_email"}
    assert SlaPolicy.objects.get(key="welcome_email").calendar is not None
    assert Group.objects.get(name="engagement_manager").permissions.filter(codename="move_engagement").exists()
