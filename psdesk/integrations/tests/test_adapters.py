"""Real adapters against real servers on loopback serving recorded vendor payloads (no SDK mocks)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from pytest_httpserver import HTTPServer
from werkzeug import Response

from psdesk.integrations.chat.slack import SlackChat
from psdesk.integrations.crm.salesforce import SalesforceCrm
from psdesk.integrations.email.django import DjangoMailer
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.psa.kantata import KantataPsa
from psdesk.integrations.quotes.zuora import ZuoraQuotes
from psdesk.integrations.tests.conftest import free_port, payload
from psdesk.integrations.work_tracking.gitlab import GitLabIssues

# --- Slack -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_slack_posts_the_message_with_the_bot_token(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(
        "/api/chat.postMessage", method="POST", headers={"Authorization": "Bearer xoxb-test"}
    ).respond_with_json(payload("slack_chat_postMessage_ok.json"))
    slack = SlackChat(token="xoxb-test", base_url=httpserver.url_for("/api/"), channels={"@ps-ta": "#ps-ta-ama"})
    receipt = slack.send(channel="@ps-ta", text="TA help please", idempotency_key="chat:k1")
    assert receipt.external_id == "1764259200.000100"
    sent = json.loads(httpserver.log[0][0].get_data())
    assert sent["channel"] == "#ps-ta-ama" and sent["text"] == "TA help please"
    assert sent["metadata"] == {"event_type": "psdesk_outbox", "event_payload": {"key": "chat:k1"}}


@pytest.mark.django_db
def test_slack_429_becomes_a_transient_error_with_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/chat.postMessage").respond_with_response(
        Response(
            json.dumps(payload("slack_ratelimited.json")),
            status=429,
            headers={"Retry-After": "30"},
            content_type="application/json",
        )
    )
    slack = SlackChat(token="xoxb-test", base_url=httpserver.url_for("/api/"))
    with pytest.raises(IntegrationError) as err:
        slack.send(channel="#professional-services", text="x", idempotency_key="k")
    assert (err.value.permanent, err.value.retry_after, err.value.throttled) == (False, 30.0, True)


@pytest.mark.django_db
def test_slack_channel_not_found_is_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/chat.postMessage").respond_with_json(
        payload("slack_channel_not_found.json")
    )
    slack = SlackChat(token="xoxb-test", base_url=httpserver.url_for("/api/"))
    with pytest.raises(IntegrationError) as err:
        slack.send(channel="#nope", text="x", idempotency_key="k")
    assert err.value.permanent is True and "channel_not_found" in err.value.message


@pytest.mark.django_db
def test_slack_unreachable_is_transient() -> None:
    slack = SlackChat(token="xoxb-test", base_url=f"http://127.0.0.1:{free_port()}/api/")
    with pytest.raises(IntegrationError) as err:
        slack.send(channel="#professional-services", text="x", idempotency_key="k")
    assert err.value.permanent is False and err.value.message.startswith("Slack unreachable")


@pytest.mark.django_db
def test_slack_retry_of_a_posted_message_edits_it_instead_of_posting_a_second(httpserver: HTTPServer) -> None:
    from psdesk.integrations.models import ChatPost

    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_json(
        payload("slack_chat_postMessage_ok.json")
    )
    httpserver.expect_ordered_request("/api/chat.update").respond_with_json(payload("slack_chat_postMessage_ok.json"))
    slack = SlackChat(token="xoxb-test", base_url=httpserver.url_for("/api/"))
    first = slack.send(channel="#professional-services", text="v1", idempotency_key="chat:k9")
    again = slack.send(channel="#professional-services", text="v1", idempotency_key="chat:k9")
    assert (first.external_id, first.duplicate) == ("1764259200.000100", False)
    assert (again.external_id, again.duplicate) == ("1764259200.000100", True)
    assert [r.path for r, _ in httpserver.log] == ["/api/chat.postMessage", "/api/chat.update"]
    update = json.loads(httpserver.log[1][0].get_data())
    assert (update["channel"], update["ts"], update["text"]) == ("C0PSDESK01", "1764259200.000100", "v1")
    row = ChatPost.objects.get(idempotency_key="chat:k9")
    assert (row.channel, row.ts) == ("C0PSDESK01", "1764259200.000100") and row.posted_at is not None


@pytest.mark.django_db
def test_slack_records_the_post_before_sending_so_a_failed_post_is_retried_as_a_post(httpserver: HTTPServer) -> None:
    from psdesk.integrations.models import ChatPost

    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_response(
        Response('{"ok": false, "error": "internal_error"}', status=500, content_type="application/json")
    )
    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_json(
        payload("slack_chat_postMessage_ok.json")
    )
    slack = SlackChat(token="xoxb-test", base_url=httpserver.url_for("/api/"))
    with pytest.raises(IntegrationError) as err:
        slack.send(channel="#professional-services", text="x", idempotency_key="chat:k10")
    assert err.value.permanent is False and err.value.throttled is False
    assert ChatPost.objects.get(idempotency_key="chat:k10").ts == ""  # recorded before the post, no ts
    assert slack.send(channel="#professional-services", text="x", idempotency_key="chat:k10").duplicate is False
    assert ChatPost.objects.get(idempotency_key="chat:k10").ts == "1764259200.000100"


def test_slack_incoming_webhook_posts_text_and_blocks(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/services/T0/B0/XYZ", method="POST").respond_with_data("ok")
    slack = SlackChat(webhook_url=httpserver.url_for("/services/T0/B0/XYZ"))
    slack.send(channel="#professional-services", text="hi", blocks=[{"type": "divider"}], idempotency_key="k")
    assert json.loads(httpserver.log[0][0].get_data()) == {"text": "hi", "blocks": [{"type": "divider"}]}


# --- Email over real SMTP (aiosmtpd) --------------------------------------------------------


def _mailers(port: int) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def test_email_goes_out_over_smtp_with_the_idempotency_key_as_message_id(smtp_server: Any) -> None:
    inbox, port = smtp_server
    with override_settings(MAILERS=_mailers(port), DEFAULT_FROM_EMAIL="ps-desk@example.com"):
        DjangoMailer().send(
            to=["erin@psdesk.example"], subject="New engagement", body="Acme", idempotency_key="email:abc"
        )
    assert len(inbox.messages) == 1
    env = inbox.messages[0]
    assert env.rcpt_tos == ["erin@psdesk.example"]
    content = env.content.decode()
    assert "Message-ID: <email.abc@example.com>" in content and "Subject: New engagement" in content


def test_email_redelivered_after_a_crash_carries_the_same_message_id(smtp_server: Any) -> None:
    inbox, port = smtp_server
    with override_settings(MAILERS=_mailers(port), DEFAULT_FROM_EMAIL="ps-desk@example.com"):
        for _ in range(2):  # the worker died after the relay accepted it; the outbox sends it again
            DjangoMailer().send(
                to=["erin@psdesk.example"], subject="Welcome", body="Hi", idempotency_key="projects:7 welcome<v1>"
            )
    ids = [ln for env in inbox.messages for ln in env.content.decode().splitlines() if ln.startswith("Message-ID:")]
    assert ids == ["Message-ID: <projects.7.welcome.v1@example.com>"] * 2  # a receiver drops the second


def test_email_refused_with_550_is_permanent(smtp_server: Any) -> None:
    inbox, port = smtp_server
    inbox.reply = "550 mailbox unavailable"
    with override_settings(MAILERS=_mailers(port)), pytest.raises(IntegrationError) as err:
        DjangoMailer().send(to=["x@psdesk.example"], subject="s", body="b", idempotency_key="k")
    assert err.value.permanent is True and "550" in err.value.message


def test_email_with_smtp_down_is_transient() -> None:
    with override_settings(MAILERS=_mailers(free_port())), pytest.raises(IntegrationError) as err:
        DjangoMailer().send(to=["x@psdesk.example"], subject="s", body="b", idempotency_key="k")
    assert err.value.permanent is False


# --- Salesforce (https on loopback with a throwaway certificate) -----------------------------


def _sf(server: HTTPServer, cert: Any) -> SalesforceCrm:
    return SalesforceCrm(
        instance_url=f"https://127.0.0.1:{server.port}", session_id="00Dtest!token", verify=str(cert[0])
    )


def test_salesforce_patches_the_ps_fields_and_reads_the_stage(https_server: HTTPServer, tls_cert: Any) -> None:
    path = "/services/data/v59.0/sobjects/Opportunity/0068c00000AbCdEAAV"
    https_server.expect_oneshot_request(path, method="PATCH").respond_with_data("", status=204)
    https_server.expect_oneshot_request(path, method="GET").respond_with_json(payload("salesforce_opportunity.json"))
    sf = _sf(https_server, tls_cert)
    sf.update_ps_fields(
        opportunity_id="0068c00000AbCdEAAV", fields={"PS_Engagement_Manager__c": "Erin Evans"}, idempotency_key="crm:1"
    )
    assert sf.stage_get(opportunity_id="0068c00000AbCdEAAV") == "5-Negotiating"
    req = https_server.log[0][0]
    assert json.loads(req.get_data()) == {"PS_Engagement_Manager__c": "Erin Evans"}
    assert req.headers["Authorization"] == "Bearer 00Dtest!token"


def test_salesforce_invalid_field_is_permanent(https_server: HTTPServer, tls_cert: Any) -> None:
    https_server.expect_oneshot_request(
        "/services/data/v59.0/sobjects/Opportunity/006X", method="PATCH"
    ).respond_with_json(payload("salesforce_invalid_field.json"), status=400)
    with pytest.raises(IntegrationError) as err:
        _sf(https_server, tls_cert).update_ps_fields(
            opportunity_id="006X", fields={"PS_Bogus__c": 1}, idempotency_key="k"
        )
    assert err.value.permanent is True and "INVALID_FIELD" in err.value.message


def test_salesforce_503_is_transient(https_server: HTTPServer, tls_cert: Any) -> None:
    https_server.expect_oneshot_request("/services/data/v59.0/sobjects/Opportunity/006X").respond_with_data(
        "unavailable", status=503
    )
    with pytest.raises(IntegrationError) as err:
        _sf(https_server, tls_cert).stage_get(opportunity_id="006X")
    assert err.value.permanent is False


# --- GitLab issues mirror ---------------------------------------------------------------------


def _gl(server: HTTPServer) -> GitLabIssues:
    return GitLabIssues(url=server.url_for("").rstrip("/"), token="glpat-test", project="ww-consulting/ps-plan")


def test_gitlab_creates_the_scoping_issue_with_scoped_labels_and_a_key_marker(httpserver: HTTPServer) -> None:
    issues = "/api/v4/projects/ww-consulting/ps-plan/issues"
    httpserver.expect_oneshot_request(issues, method="GET").respond_with_json([])
    httpserver.expect_oneshot_request(issues, method="POST").respond_with_json(
        payload("gitlab_issue_created.json"), status=201
    )
    r = _gl(httpserver).issue_upsert(
        ref="eng-7",
        title="Acme Corp - Scope Issue and Write SOW",
        description="| Question | Answer |",
        labels=["proposal::Scoping", "Segment::MM-East"],
        idempotency_key="wt:k7",
    )
    assert r.external_id == "42" and r.duplicate is False
    created = json.loads(httpserver.log[1][0].get_data())
    assert created["labels"] == "proposal::Scoping,Segment::MM-East"
    assert created["description"].endswith("<!-- psdesk:ref=eng-7 -->")
    assert httpserver.log[0][0].args["search"] == "psdesk:ref=eng-7"
    assert httpserver.log[0][0].headers["PRIVATE-TOKEN"] == "glpat-test"


def test_gitlab_redelivery_finds_the_issue_instead_of_opening_a_second(httpserver: HTTPServer) -> None:
    issues = "/api/v4/projects/ww-consulting/ps-plan/issues"
    httpserver.expect_oneshot_request(issues, method="GET").respond_with_json([payload("gitlab_issue_created.json")])
    httpserver.expect_oneshot_request(f"{issues}/42", method="PUT").respond_with_json(
        payload("gitlab_issue_created.json")
    )
    r = _gl(httpserver).issue_upsert(
        ref="eng-7", title="t", description="d", labels=["proposal::SOW_WIP"], idempotency_key="wt:k9"
    )
    assert (r.external_id, r.duplicate) == ("42", True)
    assert [req.method for req, _ in httpserver.log] == ["GET", "PUT"]
    assert json.loads(httpserver.log[1][0].get_data())["labels"] == "proposal::SOW_WIP"


def test_gitlab_label_sync_updates_the_existing_issue(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(
        "/api/v4/projects/ww-consulting/ps-plan/issues/42", method="PUT"
    ).respond_with_json(payload("gitlab_issue_created.json"))
    r = _gl(httpserver).issue_upsert(
        ref="eng-7", title="t", description="d", labels=["proposal::SOW_WIP"], issue_iid=42, idempotency_key="wt:k8"
    )
    assert r.external_id == "42"
    assert json.loads(httpserver.log[0][0].get_data())["labels"] == "proposal::SOW_WIP"


def test_gitlab_403_is_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/v4/projects/ww-consulting/ps-plan/issues/42").respond_with_json(
        {"message": "403 Forbidden"}, status=403
    )
    with pytest.raises(IntegrationError) as err:
        _gl(httpserver).issue_upsert(ref="r", title="t", description="d", labels=[], issue_iid=42, idempotency_key="k")
    assert err.value.permanent is True


# --- Kantata ----------------------------------------------------------------------------------


def test_kantata_creates_the_project_once(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/v1/workspaces.json", method="GET").respond_with_json(
        payload("kantata_workspaces_empty.json")
    )
    httpserver.expect_oneshot_request("/api/v1/workspaces.json", method="POST").respond_with_json(
        payload("kantata_workspace_created.json")
    )
    psa = KantataPsa(base_url=httpserver.url_for(""), token="kt-test")
    r = psa.project_create(ref="eng-7", name="Acme Corp - Implementation", account="Acme Corp", idempotency_key="psa:1")
    assert r.external_id == "9876543"
    post = httpserver.log[1][0]
    assert post.headers["Idempotency-Key"] == "psa:1" and post.headers["Authorization"] == "Bearer kt-test"
    assert json.loads(post.get_data())["workspace"]["title"] == "Acme Corp - Implementation"


def test_kantata_status_change_and_a_429(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/v1/workspaces/9876543.json", method="PUT").respond_with_json(
        payload("kantata_workspace_created.json")
    )
    httpserver.expect_oneshot_request("/api/v1/workspaces/9876543.json", method="PUT").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "12"})
    )
    psa = KantataPsa(base_url=httpserver.url_for(""), token="kt-test")
    psa.project_status_set(project_id="9876543", status="in_progress", idempotency_key="psa:2")
    with pytest.raises(IntegrationError) as err:
        psa.project_status_set(project_id="9876543", status="completed", idempotency_key="psa:3")
    assert (err.value.permanent, err.value.retry_after) == (False, 12.0)


def test_kantata_finds_the_workspace_by_our_reference_before_a_status_change(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(
        "/api/v1/workspaces.json", method="GET", query_string={"matching_external_reference": "psdesk:project:7"}
    ).respond_with_json(payload("kantata_workspace_created.json"))
    httpserver.expect_oneshot_request("/api/v1/workspaces/9876543.json", method="PUT").respond_with_json(
        payload("kantata_workspace_created.json")
    )
    psa = KantataPsa(base_url=httpserver.url_for(""), token="kt-test")
    r = psa.project_status_set(project_id="psdesk:project:7", status="in_set_up", idempotency_key="psa:4")
    assert r.external_id == "9876543"
    assert json.loads(httpserver.log[1][0].get_data()) == {"workspace": {"status_key": "in_set_up"}}


def test_kantata_status_change_before_the_workspace_exists_is_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/v1/workspaces.json", method="GET").respond_with_json(
        payload("kantata_workspaces_empty.json")
    )
    psa = KantataPsa(base_url=httpserver.url_for(""), token="kt-test")
    with pytest.raises(IntegrationError) as err:
        psa.project_status_set(project_id="psdesk:project:8", status="active", idempotency_key="psa:5")
    assert err.value.permanent is False


# --- Zuora ------------------------------------------------------------------------------------


def test_zuora_pushes_the_signed_quote_with_the_idempotency_key(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/orders", method="POST").respond_with_json(
        payload("zuora_order_created.json")
    )
    z = ZuoraQuotes(base_url=httpserver.url_for(""), token="zu-test")
    r = z.quote_push(
        ref="Q-7",
        account="A00000042",
        currency="USD",
        lines=[{"sku": "PS-QS-001", "quantity": 1, "unit_price": "12000.00"}],
        idempotency_key="q:7",
    )
    assert r.external_id == "O-00001234"
    req = httpserver.log[0][0]
    assert req.headers["Idempotency-Key"] == "q:7"
    plan = json.loads(req.get_data())["subscriptions"][0]["orderActions"][0]["createSubscription"]
    assert plan["subscribeToRatePlans"] == [
        {"productRatePlanNumber": "PS-QS-001", "quantity": "1", "price": "12000.00", "currency": "USD"}
    ]


def test_zuora_business_refusal_is_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/orders", method="POST").respond_with_json(
        payload("zuora_order_refused.json")
    )
    z = ZuoraQuotes(base_url=httpserver.url_for(""), token="zu-test")
    with pytest.raises(IntegrationError) as err:
        z.quote_push(ref="Q-8", account="A1", currency="USD", lines=[], idempotency_key="q:8")
    assert err.value.permanent is True
    assert err.value.message == "Zuora refused the order: Product rate plan PS-NOPE not found"


def test_a_misconfigured_adapter_name_fails_the_system_check(settings: Any) -> None:
    from psdesk.integrations.checks import adapters_configured

    assert adapters_configured() == []
    settings.PSDESK_ADAPTERS = {**settings.PSDESK_ADAPTERS, "chat": "slak"}
    [err] = adapters_configured()
    assert (
        err.id == "integrations.E002" and err.msg == "PSDESK_ADAPTERS['chat'] = 'slak' is not one of: fake, log, slack"
    )
