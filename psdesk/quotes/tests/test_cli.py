from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_quotes_cli_sends_signs_and_renders(
    people: Any, make_quote: Any, tmp_path: Path, frozen_clock: Any
) -> None:
    q = make_quote((("GL-JIRA", 2, {}),))
    out = io.StringIO()
    call_command("quotes", "show", str(q.pk), "--as", "alice", stdout=out)
    assert "total USD 4800.00" in out.getvalue()
    call_command("quotes", "move", str(q.pk), "send", "--as", "alice", stdout=out)
    with pytest.raises(CommandError, match="name of the customer's signer"):
        call_command("quotes", "move", str(q.pk), "mark_signed", "--signed-on", "2026-11-27", "--as", "alice")
    call_command(
        "quotes",
        "move",
        str(q.pk),
        "mark_signed",
        "--signer",
        "Cam",
        "--signed-on",
        "2026-11-27",
        "--as",
        "alice",
        stdout=out,
    )
    assert "sent → signed" in out.getvalue()
    pdf = tmp_path / "q.pdf"
    call_command("quotes", "pdf", str(q.pk), str(pdf), "--as", "alice", stdout=out)
    assert pdf.read_bytes()[:4] == b"%PDF"
    call_command("crm", "history", str(q.opportunity_id), "--as", "alice", stdout=out)
    with pytest.raises(CommandError, match="not_found"):
        call_command("quotes", "show", "999999", "--as", "alice")


@pytest.mark.parametrize(
    ("command", "subcommands"),
    [
        ("quotes", ["list", "show", "pdf", "move"]),
        ("crm", ["opportunities", "move", "history"]),
        (
            "training",
            ["requests", "sessions", "move", "schedule", "register", "cancel-registration", "roster"],
        ),
    ],
)
def test_a_command_without_a_subcommand_lists_its_subcommands_with_their_help(
    command: str, subcommands: list[str]
) -> None:
    out = io.StringIO()
    call_command(command, stdout=out)
    listed = out.getvalue().split("subcommands:", 1)[1]
    for sub in subcommands:
        assert re.search(rf"\n    {sub}\s", listed), sub
