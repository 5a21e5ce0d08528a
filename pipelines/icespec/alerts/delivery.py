"""Sending alerts to every sink: a failing sink is logged and never stops the others or the caller."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from icespec.alerts.model import CHECK_FAILED, DRIFT_CHANGED, DRIFT_DETECTED, Alert
from icespec.errors import SettingsError

logger = logging.getLogger("icespec.alerts")


class Sink(Protocol):
    name: str  # stable: the drift sensor keeps what each sink was told under this name

    def send(self, alert: Alert) -> None:
        """Deliver one alert (the sink's client retries transient errors); raise when it could not."""


class LogSink:
    """Writes alerts to a logger (Dagster's context.log in the sensor, `icespec.alerts` otherwise)."""

    name = "log"

    def __init__(self, log: logging.Logger | logging.LoggerAdapter | None = None) -> None:
        self.log = log or logger

    def send(self, alert: Alert) -> None:
        if alert.event == CHECK_FAILED:
            level = logging.ERROR
        elif alert.event in (DRIFT_DETECTED, DRIFT_CHANGED):
            level = logging.WARNING
        else:
            level = logging.INFO
        self.log.log(level, alert.text())


@dataclass(frozen=True)
class Delivery:
    sink: str
    alert: Alert
    error: str | None = None  # None when delivered

    @property
    def ok(self) -> bool:
        return self.error is None


def deliver(
    alerts: Iterable[Alert],
    sinks: Sequence[Sink],
    log: logging.Logger | logging.LoggerAdapter | None = None,
) -> list[Delivery]:
    """Send each alert to each sink; report every outcome. Never raises for a sink's failure."""
    log = log or logger
    results: list[Delivery] = []
    for alert in alerts:
        for sink in sinks:
            try:
                sink.send(alert)
            except Exception as exc:  # a sink must never crash the sensor or the CLI
                error = f"{type(exc).__name__}: {exc}"
                log.error(
                    "alert %s for %s not delivered to %s: %s", alert.event, alert.table, sink.name, error
                )
                results.append(Delivery(sink.name, alert, error))
            else:
                results.append(Delivery(sink.name, alert))
    return results


class AlertConfigError(SettingsError):
    """Alert settings that cannot work; the message names the environment variable to fix."""


def build_sinks(
    *,
    slack_webhook_url: str | None = None,
    slack_bot_token: str | None = None,
    slack_channel: str | None = None,
    sns_topic_arn: str | None = None,
    aws_endpoint_url: str | None = None,
    aws_region: str | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
    retries: int = 2,
    backoff_seconds: float = 0.5,
) -> list[Sink]:
    """The log sink, plus Slack and SNS when configured. Secrets arrive here from the environment only."""
    sinks: list[Sink] = [LogSink(log)]
    if slack_webhook_url and slack_bot_token:
        raise AlertConfigError(
            "both ICESPEC_SLACK_WEBHOOK_URL and ICESPEC_SLACK_BOT_TOKEN are set: keep one "
            "(a webhook posts to its own channel; a bot token needs ICESPEC_SLACK_CHANNEL)"
        )
    if slack_bot_token and not slack_channel:
        raise AlertConfigError(
            "ICESPEC_SLACK_BOT_TOKEN is set but ICESPEC_SLACK_CHANNEL is not: set the channel"
        )
    if slack_channel and not slack_bot_token:
        raise AlertConfigError(
            "ICESPEC_SLACK_CHANNEL is set but ICESPEC_SLACK_BOT_TOKEN is not: set the bot token "
            "(or unset the channel and use ICESPEC_SLACK_WEBHOOK_URL)"
        )
    if slack_webhook_url and not slack_webhook_url.startswith(("https://", "http://")):
        raise AlertConfigError(
            "ICESPEC_SLACK_WEBHOOK_URL must be the incoming webhook URL (https://hooks.slack.com/services/...)"
        )
    if slack_webhook_url or slack_bot_token:
        from icespec.alerts.slack import SlackSink  # slack_sdk only when Slack is configured

        sinks.append(
            SlackSink(
                webhook_url=slack_webhook_url,
                bot_token=slack_bot_token,
                channel=slack_channel,
                retries=retries,
                backoff_seconds=backoff_seconds,
            )
        )
    if sns_topic_arn:
        from icespec.alerts.sns import SnsSink, region_of

        try:
            topic_region = region_of(sns_topic_arn)
        except ValueError as exc:
            raise AlertConfigError(f"ICESPEC_SNS_TOPIC_ARN: {exc}") from None
        sinks.append(
            SnsSink(
                sns_topic_arn,
                endpoint_url=aws_endpoint_url,
                region=aws_region or topic_region,
                retries=retries,
            )
        )
    return sinks


def sinks_from_env(
    env: Mapping[str, str], log: logging.Logger | logging.LoggerAdapter | None = None
) -> list[Sink]:
    """Sinks from ICESPEC_SLACK_WEBHOOK_URL | ICESPEC_SLACK_BOT_TOKEN + ICESPEC_SLACK_CHANNEL, ICESPEC_SNS_TOPIC_ARN."""

    def get(name: str) -> str | None:
        return (env.get(name) or "").strip() or None

    return build_sinks(
        slack_webhook_url=get("ICESPEC_SLACK_WEBHOOK_URL"),
        slack_bot_token=get("ICESPEC_SLACK_BOT_TOKEN"),
        slack_channel=get("ICESPEC_SLACK_CHANNEL"),
        sns_topic_arn=get("ICESPEC_SNS_TOPIC_ARN"),
        aws_endpoint_url=get("ICESPEC_AWS_ENDPOINT_URL"),
        aws_region=get("ICESPEC_AWS_REGION"),
        log=log,
    )
