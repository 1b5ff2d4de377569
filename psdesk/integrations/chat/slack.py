"""Slack through slack_sdk: a bot token (chat.postMessage) or an incoming webhook URL.

Channel names map to Slack ids/names through `channels` (e.g. {"@ps-scheduling": "#ps-scheduling"}).
Slack honours no idempotency key, so the bot-token path keeps its own de-duplication record
(`integrations.ChatPost`, keyed by the outbox message's key): the row is written before posting and
Slack's `ts` stored as soon as it answers; a retry of a message whose `ts` is known edits that
message (`chat.update`) instead of posting again. Only a post whose answer never arrived (the worker
died or the call timed out after Slack accepted it) can be posted twice; the key also travels as
message `metadata`, so such a duplicate is recognisable in Slack. Incoming webhooks return no `ts`:
there every redelivery is a new post.

Beyond posting, the PS Desk Slack app (psdesk/chatops) answers slash commands and button clicks:
`respond` posts to the `response_url` Slack gave with the request (only to the URL prefixes in
`response_url_prefixes`, Slack's own hooks host by default), `update` edits a message posted
earlier through `send` (found by that post's key), `user_email` reads a member's verified email
(`users.info`, scope `users:read.email`) and `modal_open` opens a dialog (`views.open`, within
Slack's 3 s of the click).
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError

from psdesk.core import clock
from psdesk.integrations.errors import IntegrationError, error_from_status
from psdesk.integrations.models import ChatPost
from psdesk.integrations.ports import Receipt

_PERMANENT_SLACK_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "is_archived",
    "msg_too_long",
    "no_text",
    "invalid_blocks",
    "missing_scope",
    "not_authed",
}
# chat.update answers for a message that is gone (deleted in Slack): it was delivered once; done.
_GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}


class SlackChat:
    def __init__(
        self,
        *,
        token: str = "",
        webhook_url: str = "",
        base_url: str = "https://slack.com/api/",
        channels: dict[str, str] | None = None,
        timeout: int = 10,
        response_url_prefixes: tuple[str, ...] | list[str] = ("https://hooks.slack.com/",),
    ) -> None:
        self.channels = channels or {}
        self.timeout = timeout
        self.response_url_prefixes = tuple(response_url_prefixes)
        self.webhook = WebhookClient(webhook_url, timeout=timeout, retry_handlers=[]) if webhook_url else None
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])

    def send(
        self, *, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, idempotency_key: str
    ) -> Receipt:
        target = self.channels.get(channel, channel)
        try:
            if self.webhook is not None:
                resp = self.webhook.send(text=text, blocks=blocks)
                if resp.status_code >= 400:
                    raise error_from_status(
                        resp.status_code, resp.body, _header(resp.headers, "Retry-After"), vendor="Slack"
                    )
                return Receipt(external_id=idempotency_key)
            metadata = {"event_type": "psdesk_outbox", "event_payload": {"key": idempotency_key}}
            record, _ = ChatPost.objects.get_or_create(idempotency_key=idempotency_key, defaults={"channel": target})
            if record.ts:
                return self._update(record, text=text, blocks=blocks, metadata=metadata)
            api = self.client.chat_postMessage(channel=target, text=text, blocks=blocks, metadata=metadata)
            ts = str(api.get("ts", ""))
            ChatPost.objects.filter(pk=record.pk).update(
                ts=ts, channel=str(api.get("channel", "") or target), posted_at=clock.now()
            )
            return Receipt(external_id=ts)
        except SlackApiError as exc:
            resp = exc.response
            status = int(getattr(resp, "status_code", 0) or 0)
            error = str(resp.get("error", "")) if hasattr(resp, "get") else ""
            if status >= 400:
                retry = _header(resp.headers, "Retry-After")
                raise error_from_status(status, error or str(exc), retry, vendor="Slack") from exc
            raise IntegrationError(f"Slack refused: {error}", permanent=error in _PERMANENT_SLACK_ERRORS) from exc
        except IntegrationError:
            raise
        except OSError as exc:  # urllib URLError, connection refused, timeouts
            raise IntegrationError(f"Slack unreachable: {exc}", permanent=False) from exc

    def respond(
        self,
        *,
        response_url: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        replace_original: bool = False,
        response_type: str = "ephemeral",
        channel: str = "",
        idempotency_key: str,
    ) -> Receipt:
        """Answer a slash command or a click through its `response_url` (valid 30 minutes, 5 uses).
        `replace_original` rewrites the message the click came from, for everyone in the channel."""
        if not response_url.startswith(self.response_url_prefixes):
            raise IntegrationError("Slack response_url outside the allowed prefixes", permanent=True)
        hook = WebhookClient(response_url, timeout=self.timeout, retry_handlers=[])
        try:
            resp = hook.send(
                text=text,
                blocks=blocks,
                response_type=None if replace_original else response_type,
                replace_original=replace_original,
            )
        except OSError as exc:
            raise IntegrationError(f"Slack unreachable: {exc}", permanent=False) from exc
        if resp.status_code == 404:  # expired or used up: nobody can be answered there any more
            raise IntegrationError("Slack response_url expired", permanent=True)
        if resp.status_code >= 400:
            raise error_from_status(resp.status_code, resp.body, _header(resp.headers, "Retry-After"), vendor="Slack")
        return Receipt(external_id=idempotency_key)

    def update(
        self,
        *,
        post_key: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        channel: str = "",
        idempotency_key: str,
    ) -> Receipt:
        """Edit the message posted by `send` with idempotency key `post_key` (`chat.update`). A
        message not posted yet is a transient failure: the outbox retries after the post lands."""
        record = ChatPost.objects.filter(idempotency_key=post_key).first()
        if record is None or not record.ts:
            raise IntegrationError("The message to update is not posted yet", permanent=False, retry_after=30)
        try:
            return self._update(record, text=text, blocks=blocks, metadata=None)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            raise IntegrationError(f"Slack refused: {error}", permanent=error in _PERMANENT_SLACK_ERRORS) from exc
        except OSError as exc:
            raise IntegrationError(f"Slack unreachable: {exc}", permanent=False) from exc

    def user_email(self, *, user_id: str) -> str:
        """The member's email when Slack has confirmed it, else "" (`users.info`). A read, made
        by the worker outside any transaction. Raises IntegrationError."""
        try:
            api = self.client.users_info(user=user_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            raise IntegrationError(f"Slack refused: {error}", permanent=error in _PERMANENT_SLACK_ERRORS) from exc
        except OSError as exc:
            raise IntegrationError(f"Slack unreachable: {exc}", permanent=False) from exc
        user = api.get("user") or {}
        if user.get("deleted") or user.get("is_bot") or user.get("is_email_confirmed") is False:
            return ""
        return str((user.get("profile") or {}).get("email", "") or "")

    def modal_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal for the click with `trigger_id` (`views.open`). Raises IntegrationError."""
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            raise IntegrationError(f"Slack refused: {exc.response.get('error', '')}", permanent=True) from exc
        except OSError as exc:
            raise IntegrationError(f"Slack unreachable: {exc}", permanent=False) from exc

    def _update(
        self, record: ChatPost, *, text: str, blocks: list[dict[str, Any]] | None, metadata: dict[str, Any] | None
    ) -> Receipt:
        """The message was posted before (its `ts` is known): edit it to this text, post nothing new."""
        try:
            self.client.chat_update(channel=record.channel, ts=record.ts, text=text, blocks=blocks, metadata=metadata)
        except SlackApiError as exc:
            if str(exc.response.get("error", "")) not in _GONE:
                raise
        return Receipt(external_id=record.ts, duplicate=True)


def _header(headers: Any, name: str) -> str | None:
    """A header value from slack_sdk's dicts (values may be lists, names any case)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None
