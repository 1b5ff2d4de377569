"""Linking Slack in Chromium: the link `/ps link` answered with opens the confirmation page, the
person links their Slack account, sees it on their profile page and unlinks it there."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_links_and_unlinks_their_slack_account(page: Any, live_server: Any, login: Any, people: Any) -> None:
    from psdesk.chatops.models import SlackUserLink
    from psdesk.chatops.services import slack_link_code

    code = slack_link_code(team_id="T0PSDESK", slack_user_id="U0TOMSLACK")
    login(page, "tom")
    page.goto(f"{live_server.url}/chatops/slack/link/?code={code}")
    page.get_by_role("button", name="Link this Slack account").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    section = page.get_by_role("region", name="Slack")
    assert "U0TOMSLACK" in section.inner_text()
    assert SlackUserLink.objects.get().user == people.tom
    section.get_by_role("button", name="Unlink").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    assert "Not linked" in page.get_by_role("region", name="Slack").inner_text()
    assert SlackUserLink.objects.count() == 0
