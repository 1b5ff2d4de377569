from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = StringIO()
    call_command("project", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_without_a_subcommand_the_help_lists_every_subcommand() -> None:
    out = run()
    for sub in ("list", "welcome", "move", "sla"):
        assert sub in out
    assert "Show a project's welcome-email SLA timer." in out


def test_an_outsider_may_not_list_projects(people: Any) -> None:
    with pytest.raises(CommandError, match="403: olga may not see delivery projects"):
        run("list", "--as", "olga")


def test_an_unknown_user_is_a_command_error(people: Any) -> None:
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        run("list", "--as", "nobody")
