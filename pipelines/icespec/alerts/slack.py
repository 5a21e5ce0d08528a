"""Slack sink: a Block Kit message through an incoming webhook, or a bot token and a channel."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, SecretStr, model_validator

from icespec.alerts.model import (
    CHECK_FAILED,
    CHECK_RECOVERED,
    DRIFT_CHANGED,
    DRIFT_DETECTED,
    DRIFT_RESOLVED,
    Alert,
    AlertChange,
)
from icespec.environment import EnvironmentSettings, secret_text, url_of
from icespec.errors import BackendError

if TYPE_CHECKING:  # slack_sdk is imported when a Slack sink is built, not when settings are read
    from slack_sdk.http_retry import RetryHandler

SLACK_API = "https://slack.com/api/"  # slack_sdk's WebClient.BASE_URL

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks): a message holds at most
# 50 blocks, a header 150 characters, a section's text 3,000 and a section's field 2,000.
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FALLBACK_TEXT = 3000

EMOJI = {
    DRIFT_DETECTED: ":warning:",
    DRIFT_CHANGED: ":arrows_counterclockwise:",
    DRIFT_RESOLVED: ":white_check_mark:",
    CHECK_FAILED: ":x:",
    CHECK_RECOVERED: ":white_check_mark:",
}


class SlackDeliveryError(BackendError):
    """Slack refused or did not answer; the message says which and why."""


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(value: Any) -> str:
    if value is None:
        return "—"
    shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return f"`{escape(clip(shown, 200))}`"


def change_line(change: AlertChange) -> str:
    """`• *add_column* `discount`: — → `decimal(18,2)`  _orders.yaml:42_` (live value → template value)."""
    target = f" `{escape(change.path)}`" if change.path else ""
    flag = " :rotating_light: breaking" if change.breaking else ""
    where = f"  _{escape(change.location)}_" if change.location else ""
    return (
        f"• *{escape(change.kind)}*{target}: {_value(change.before)} → {_value(change.after)}{flag}{where}\n"
        f"   {escape(clip(change.message, 300))}"
    )


def _diff_sections(changes: tuple[AlertChange, ...], room: int) -> list[dict[str, Any]]:
    """Change lines packed into as few sections as fit; never silently drops one (says how many more)."""
    sections: list[dict[str, Any]] = []
    current = "*Live table → template* (what `icespec apply` would change)"
    for index, change in enumerate(changes):
        line = change_line(change)
        if len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            if len(sections) + 2 >= room:  # keep one block for the "and N more" note
                rest = len(changes) - index
                sections.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
                sections.append(
                    {
                        "type": "context",
                        "elements": [
                            {"type": "mrkdwn", "text": f"… and {rest} more change(s): run `icespec drift`"}
                        ],
                    }
                )
                return sections
            sections.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
            current = ""
        current = f"{current}\n{line}" if current else line
    sections.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
    return sections


def slack_blocks(alert: Alert) -> list[dict[str, Any]]:
    """The Block Kit message: header, table/severity/template fields, field-level diff, fix, context."""
    header = f"{EMOJI[alert.event]} {alert.title}"
    fields = [
        {"type": "mrkdwn", "text": f"*Table*\n`{escape(alert.table)}`"},
        {"type": "mrkdwn", "text": f"*Severity*\n{alert.severity.upper()}"},
    ]
    if alert.template:
        fields.append({"type": "mrkdwn", "text": f"*Template*\n`{escape(clip(alert.template, 300))}`"})
    for key, value in sorted(alert.context.items()):
        fields.append({"type": "mrkdwn", "text": f"*{escape(key.capitalize())}*\n{escape(clip(value, 300))}"})
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(header, MAX_HEADER), "emoji": True}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": clip(escape(alert.summary), MAX_SECTION_TEXT)},
        },
        {"type": "section", "fields": fields[:10]},  # Slack allows 10 fields per section
    ]
    tail: list[dict[str, Any]] = []
    if alert.fix:
        tail.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": clip(f"*Fix*\n{alert.fix}", MAX_SECTION_TEXT)},
            }
        )
    if alert.fingerprint:
        tail.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"icespec drift · `{alert.fingerprint}`"}],
            }
        )
    if alert.changes:
        blocks.append({"type": "divider"})
        blocks.extend(_diff_sections(alert.changes, MAX_BLOCKS - len(blocks) - len(tail)))
    return blocks + tail


def fallback_text(alert: Alert) -> str:
    """Notification text (and what clients without Block Kit show)."""
    return clip(f"{alert.title} [{alert.severity}] — {alert.summary}", MAX_FALLBACK_TEXT)


def retry_handlers(retries: int, backoff_seconds: float) -> list[RetryHandler]:
    from slack_sdk.http_retry import (
        BackoffRetryIntervalCalculator,
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
    )
    from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff_seconds)
    return [
        ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
        RateLimitErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
        ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
    ]


class SlackSink:
    """Posts alerts to Slack. Give a webhook URL, or a bot token and a channel.

    Transient failures (connection errors, 429, 500/503) are retried by slack_sdk's own retry
    handlers; what still fails raises, and `deliver` logs it.
    """

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        bot_token: str | None = None,
        channel: str | None = None,
        retries: int = 2,
        backoff_seconds: float = 0.5,
        timeout_seconds: int = 10,
        api_base_url: str = SLACK_API,
    ) -> None:
        from slack_sdk import WebClient, WebhookClient

        if bool(webhook_url) == bool(bot_token):
            raise ValueError("SlackSink needs exactly one of a webhook URL or a bot token")
        if bot_token and not channel:
            raise ValueError("SlackSink with a bot token needs a channel")
        handlers = retry_handlers(retries, backoff_seconds)
        self._webhook = (
            WebhookClient(webhook_url, timeout=timeout_seconds, retry_handlers=handlers)
            if webhook_url
            else None
        )
        self._client = (
            WebClient(
                token=bot_token, base_url=api_base_url, timeout=timeout_seconds, retry_handlers=handlers
            )
            if bot_token
            else None
        )
        self.channel = channel
        self.name = f"slack:{channel}" if channel else "slack:webhook"

    def send(self, alert: Alert) -> None:
        blocks, text = slack_blocks(alert), fallback_text(alert)
        if self._webhook is not None:
            response = self._webhook.send(text=text, blocks=blocks)
            if response.status_code != 200:
                raise SlackDeliveryError(
                    f"Slack webhook answered HTTP {response.status_code}: {clip(str(response.body), 200)}"
                )
            return
        # WebClient raises SlackApiError itself when Slack answers ok=false (bad token, unknown channel).
        self._client.chat_postMessage(channel=self.channel, text=text, blocks=blocks)


class SlackSettings(EnvironmentSettings):
    """The Slack sink: an incoming webhook, or a bot token and a channel."""

    slack_webhook_url: SecretStr | None = Field(None, description="Slack incoming webhook for alerts")
    slack_bot_token: SecretStr | None = Field(
        None, description="Slack bot token for alerts (with ICESPEC_SLACK_CHANNEL)"
    )
    slack_channel: str | None = Field(None, description="Slack channel the bot posts to")

    @model_validator(mode="after")
    def _one_way_to_post(self) -> Self:
        webhook_url, bot_token = secret_text(self.slack_webhook_url), secret_text(self.slack_bot_token)
        if webhook_url and bot_token:
            raise ValueError(
                "both ICESPEC_SLACK_WEBHOOK_URL and ICESPEC_SLACK_BOT_TOKEN are set: keep one "
                "(a webhook posts to its own channel; a bot token needs ICESPEC_SLACK_CHANNEL)"
            )
        if bot_token and not self.slack_channel:
            raise ValueError(
                "ICESPEC_SLACK_BOT_TOKEN is set but ICESPEC_SLACK_CHANNEL is not: set the channel"
            )
        if self.slack_channel and not bot_token:
            raise ValueError(
                "ICESPEC_SLACK_CHANNEL is set but ICESPEC_SLACK_BOT_TOKEN is not: set the bot token "
                "(or unset the channel and use ICESPEC_SLACK_WEBHOOK_URL)"
            )
        if webhook_url:
            try:
                url_of("https", "http")(webhook_url)
            except ValueError:
                raise ValueError(
                    "ICESPEC_SLACK_WEBHOOK_URL must be the incoming webhook URL "
                    "(https://hooks.slack.com/services/...)"
                ) from None
        return self


def sink_from_settings(settings: SlackSettings, *, retries: int, backoff_seconds: float) -> SlackSink:
    """The Slack sink of the alert registry."""
    return SlackSink(
        webhook_url=secret_text(settings.slack_webhook_url),
        bot_token=secret_text(settings.slack_bot_token),
        channel=settings.slack_channel,
        retries=retries,
        backoff_seconds=backoff_seconds,
    )
