"""`/ps leadtime`, `/ps ask` and `/ps pubsec-access` answered through the response_url of a loopback
Slack; PubSec projects appear only to members in the PubSec channel or a direct message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psdesk.chatops.models import SlackAsk, SlackPolicy, SlackUserLink
from psdesk.chatops.tests.conftest import TEAM, SlackSender, work_off

pytestmark = pytest.mark.django_db


def _link(people: Any, *names: str) -> None:
    for name in names:
        SlackUserLink.objects.create(
            team_id=TEAM, slack_user_id=f"U{name.upper()}", user=people[name], linked_via="profile"
        )


@pytest.fixture
def forecast(people: Any, make_account: Any, frozen_clock: Any) -> dict[str, Any]:
    """A forecast run (test set-up rows) with the lead-time table and two queued projects, one of
    them for a US PubSec agency."""
    from psdesk.scheduling.models import ForecastResult, ForecastRun, LeadTime, QueueEntry

    run = ForecastRun.objects.create(week0=date(2026, 11, 23), horizon_weeks=26, samples=50, seed=1, blob=b"")
    LeadTime.objects.create(
        run=run, service_type="implementation", median_weeks=Decimal("3.0"), p80_weeks=Decimal("5.0"), projects=4
    )
    LeadTime.objects.create(
        run=run, service_type="migration", median_weeks=Decimal("6.0"), p80_weeks=Decimal("8.5"), projects=2
    )
    acme = make_account("Acme Corp")
    agency = make_account("Federal Agency X", pubsec=True)
    from psdesk.core import clock

    now = clock.now()
    public = QueueEntry.objects.create(
        title="Acme GitLab rollout", account=acme, service_type="implementation", closed_won_at=now
    )
    secret = QueueEntry.objects.create(
        title="Agency X cleared install",
        account=agency,
        service_type="implementation",
        closed_won_at=now,
        requires_clearance=True,
    )
    ForecastResult.objects.create(
        run=run,
        entry=secret,
        position=1,
        p50_date=date(2027, 1, 4),
        p80_date=date(2027, 2, 1),
        binding="waits for 1 cleared PSE with Agency-X-Geo skill, free from 4 Jan",
    )
    ForecastResult.objects.create(
        run=run,
        entry=public,
        position=2,
        p50_date=date(2026, 12, 14),
        p80_date=date(2027, 1, 11),
        binding="waits for 1 PSE with GitLab-Geo skill, free from 14 Dec",
    )
    return {"acme": acme, "agency": agency}


def test_leadtime_alone_answers_with_the_published_table(
    slack: Any, sender: SlackSender, people: Any, forecast: Any
) -> None:
    _link(people, "alice")
    sender.post(sender.command_body("UALICE", "leadtime"))
    work_off()
    [reply] = slack.responses()
    assert "Implementation: P50 3.0 wk, P80 5.0 wk (4 projects)" in reply["text"]
    assert "SCM migration: P50 6.0 wk, P80 8.5 wk (2 projects)" in reply["text"]


def test_leadtime_of_a_service_type_gives_start_dates_and_the_binding_constraint_without_pubsec(
    slack: Any, sender: SlackSender, people: Any, forecast: Any
) -> None:
    _link(people, "alice", "pat")
    sender.post(sender.command_body("UALICE", "leadtime implementation"))
    sender.post(sender.command_body("UPAT", "leadtime implementation"))
    work_off()
    alice, pat = slack.responses()
    # Friday 27 Nov 2026 + 3 weeks / + 5 weeks
    assert "start P50 Fri 18 Dec 2026, P80 Fri 01 Jan 2027" in alice["text"]
    assert "waits for 1 PSE with GitLab-Geo skill, free from 14 Dec" in alice["text"]
    # pat is a member, but in a public channel: the PubSec project's constraint does not show
    assert "Agency" not in pat["text"] and "GitLab-Geo" in pat["text"]


def test_leadtime_of_an_account_gives_its_forecast_to_whoever_may_see_it(
    slack: Any, sender: SlackSender, people: Any, forecast: Any
) -> None:
    _link(people, "alice", "tom")
    sender.post(sender.command_body("UALICE", "leadtime acme"))
    sender.post(sender.command_body("UTOM", "leadtime acme"))
    work_off()
    alice, tom = slack.responses()
    assert "Acme GitLab rollout" in alice["text"] and "start P50 Mon 14 Dec 2026, P80 Mon 11 Jan 2027" in alice["text"]
    assert tom["text"] == "Your role may not see lead times; ask PS Ops (`@ps-scheduling`)."


@pytest.mark.parametrize(
    ("who", "channel_id", "channel_name", "sees"),
    [
        ("alice", "C0GENERAL", "general", False),  # not a member
        ("olga", "C0PUBSEC", "pubsec", False),  # the outsider, even in the PubSec channel
        ("pat", "C0GENERAL", "general", False),  # a member, in a public channel
        ("pat", "C0PUBSEC", "pubsec", True),  # a member in the PubSec channel
        ("pat", "D0PAT", "directmessage", True),  # a member in a direct message
    ],
)
def test_pubsec_projects_reach_only_members_in_the_pubsec_channel_or_a_dm(
    slack: Any,
    sender: SlackSender,
    people: Any,
    forecast: Any,
    who: str,
    channel_id: str,
    channel_name: str,
    sees: bool,
) -> None:
    SlackPolicy.objects.update_or_create(id=1, defaults={"pubsec_channel_id": "C0PUBSEC"})
    _link(people, who)
    for query in ("agency", "leadtime implementation", "federal agency x"):
        text = query if query.startswith("leadtime") else f"leadtime {query}"
        sender.post(sender.command_body(f"U{who.upper()}", text, channel_id=channel_id, channel_name=channel_name))
    work_off()
    replies = " ".join(r["text"] for r in slack.responses())
    assert len(slack.responses()) == 3
    assert ("Agency X" in replies) is sees
    assert ("Agency-X-Geo" in replies) is sees
    if not sees and who != "olga":  # olga's role sees no lead times at all
        assert "Nothing in the delivery queue matches 'agency' that you may see here." in replies


def test_ask_creates_a_request_routed_like_the_form_and_the_answer_comes_back_in_slack(
    slack: Any, sender: SlackSender, people: Any, make_account: Any
) -> None:
    from psdesk.scoping.models import AskPsRequest
    from psdesk.scoping.services import ask_ps_answer

    make_account("Acme Corp", em=people.erin)
    _link(people, "alice")
    sender.post(sender.command_body("UALICE", "ask Can PS run a Geo health check?"))
    sender.post(sender.command_body("UALICE", "ask [Acme Corp] Who scopes the migration?"))
    work_off()
    general, account = AskPsRequest.objects.order_by("id")
    assert (general.kind, general.route, general.asker, general.body) == (
        "general",
        "ps_channel",
        people.alice,
        "Can PS run a Geo health check?",
    )
    assert (account.kind, account.route, account.routed_to) == ("account", "em", people.erin)
    first, second = slack.responses()
    assert f"/scoping/ask-ps/{general.pk}" in first["text"] or str(general.pk) in first["text"]
    assert "Erin Evans" in second["text"]
    assert SlackAsk.objects.count() == 2

    ask_ps_answer(request_id=account.pk, author=people.erin, body="Emil scopes it; I'll set up a call.")
    work_off()
    [dm] = [b for b in slack.of("/chat.postMessage") if b["channel"] == "UALICE"]
    assert "Emil scopes it" in dm["text"] and "Who scopes the migration?" in dm["text"]


def test_ask_about_an_account_one_may_not_see_creates_nothing(
    slack: Any, sender: SlackSender, people: Any, make_account: Any
) -> None:
    from psdesk.scoping.models import AskPsRequest

    make_account("Federal Agency X", pubsec=True)
    _link(people, "alice")
    sender.post(sender.command_body("UALICE", "ask [Federal Agency X] When can you start?"))
    sender.post(sender.command_body("UALICE", "ask"))
    work_off()
    refused, empty = slack.responses()
    assert refused["text"] == "No account named 'Federal Agency X' that you may see; check the name in PS Desk."
    assert "Say what you want to ask" in empty["text"]
    assert AskPsRequest.objects.count() == 0


def test_pubsec_access_from_slack_enters_the_four_eyes_flow(slack: Any, sender: SlackSender, people: Any) -> None:
    from psdesk.accounts.selectors import user_is_pubsec
    from psdesk.scoping.models import PubSecAccessRequest
    from psdesk.scoping.services import pubsec_access_decide

    _link(people, "alice")
    sender.post(sender.command_body("UALICE", "pubsec-access I sell to the agency"))
    sender.post(sender.command_body("UALICE", "pubsec-access again please"))
    work_off()
    req = PubSecAccessRequest.objects.get()
    assert (req.user, req.status, req.justification) == (people.alice, "pending", "I sell to the agency")
    ok, twice = slack.responses()
    assert "a second approver confirms" in ok["text"]
    assert twice["text"] == "Not requested: You already have a pending PubSec access request."
    pubsec_access_decide(request_id=req.pk, grant=True, actor=people.oscar)
    assert not user_is_pubsec(people.alice)
    pubsec_access_decide(request_id=req.pk, grant=True, actor=people.leo)
    people.alice.refresh_from_db()
    from psdesk.accounts.selectors import user_caches_clear

    user_caches_clear(people.alice)
    assert user_is_pubsec(people.alice)


def test_help_lists_every_command(slack: Any, sender: SlackSender, people: Any) -> None:
    _link(people, "tom")
    sender.post(sender.command_body("UTOM", "what"))
    work_off()
    text = slack.responses()[0]["text"]
    assert all(c in text for c in ("/ps leadtime", "/ps ask", "/ps pubsec-access", "/ps link"))


def test_a_failure_inside_ps_desk_still_gets_an_answer_and_changes_nothing(
    slack: Any, sender: SlackSender, people: Any, monkeypatch: Any
) -> None:
    from psdesk.chatops.models import SlackInteraction
    from psdesk.chatops.services import interactions
    from psdesk.scoping.models import AskPsRequest

    def broken(**_: Any) -> Any:
        AskPsRequest.objects.create(kind="general", asker=people.tom, subject="half", body="half", route="ps_channel")
        raise RuntimeError("database on fire")

    monkeypatch.setattr(interactions, "ask_ps_submit", broken)
    _link(people, "tom")
    sender.post(sender.command_body("UTOM", "ask Anything?"))
    work_off()
    [reply] = slack.responses()
    assert reply["text"].startswith("Something went wrong on PS Desk's side; nothing was changed.")
    assert SlackInteraction.objects.get().status == "failed" and AskPsRequest.objects.count() == 0
