"""`psdesk forecast <subcommand>`: the subcommands explain themselves, and the ones other tests do not
cover (what-if, enter, import-consultants) work end to end."""

from __future__ import annotations

import argparse
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from psdesk.scheduling import services
from psdesk.scheduling.management.commands.forecast import Command
from psdesk.scheduling.models import Consultant, QueueEntry
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.tests.conftest import WON_AT

pytestmark = pytest.mark.django_db

SUBCOMMANDS = ["run", "queue", "whatif", "commit", "enter", "candidates", "import-consultants", "import-queue"]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = Command().create_parser("manage.py", "forecast")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_without_a_subcommand_the_help_lists_every_subcommand() -> None:
    out = StringIO()
    call_command("forecast", stdout=out)
    assert all(name in out.getvalue() for name in SUBCOMMANDS)


def test_every_subcommand_and_every_option_has_a_help_line() -> None:
    subs = _subparsers()
    assert list(subs) == SUBCOMMANDS
    for name, p in subs.items():
        assert p.description, name
        for action in p._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, (name, action.dest)


def test_whatif_prints_the_forecast_of_a_hypothetical_project(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any, capsys: Any
) -> None:
    services.queue_enter(
        role_hours=[LineIn("PSE", 80, 40)], opportunity=won_opportunity(), closed_won_at=WON_AT, actor=people.paula
    )
    services.forecast_run()
    call_command("forecast", "whatif", "PSE:40:geo=3")
    assert capsys.readouterr().out.startswith("Forecast P50 ")
    assert QueueEntry.objects.count() == 1


def test_enter_queues_an_engagement_for_a_coordinator_only(
    people: Any, bench_team: Any, make_engagement: Any, frozen_clock: Any, capsys: Any
) -> None:
    eng = make_engagement()
    with pytest.raises(CommandError, match="may not enter projects"):
        call_command("forecast", "enter", "--engagement", str(eng.pk), "--hours", "PSE:40", "--as", "erin")
    call_command(
        "forecast", "enter", "--engagement", str(eng.pk), "--closed-won", WON_AT.isoformat(), "--hours", "PSE:40",
        "--as", "paula",
    )  # fmt: skip
    entry = QueueEntry.objects.get(engagement=eng)
    assert f"(entry {entry.pk})" in capsys.readouterr().out
    assert [(ln.role, int(ln.hours)) for ln in entry.lines.all()] == [("PSE", 40)]


def test_import_consultants_reads_the_csv_file(db: Any, tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "c.csv"
    path.write_text("name,email,role\nNia,nia@example.com,PSE\n")
    call_command("forecast", "import-consultants", str(path))
    assert capsys.readouterr().out.strip() == "Imported 1 consultants."
    assert Consultant.objects.get(email="nia@example.com").role == "PSE"
