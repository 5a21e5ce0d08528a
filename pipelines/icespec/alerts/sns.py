"""SNS sink: one publish per alert, a JSON body for machines and readable text for people."""

from __future__ import annotations

import json
import re
from typing import Any, Self

from pydantic import Field, model_validator

from icespec.alerts.model import Alert
from icespec.catalogs.settings import AwsEndpointSettings

MAX_SUBJECT = 99  # SNS: "must be less than 100 characters"
MAX_MESSAGE_BYTES = 256 * 1024  # SNS publish limit for the whole message
# Protocols that get the JSON body; e-mail, SMS and anything else get the readable text ("default").
JSON_PROTOCOLS = ("sqs", "lambda", "http", "https", "firehose", "application")
TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


def sns_subject(alert: Alert) -> str:
    """ASCII printable, no line breaks, starts with a letter, digit or punctuation, under 100 chars."""
    raw = f"[icespec] {alert.severity.upper()} {alert.title}"
    ascii_only = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in raw).strip()
    return ascii_only if len(ascii_only) <= MAX_SUBJECT else ascii_only[: MAX_SUBJECT - 3] + "..."


def sns_message(alert: Alert) -> str:
    """A MessageStructure=json message; keeps under SNS's size limit by listing fewer changes (and saying so)."""
    shown = len(alert.changes)
    while True:
        body = alert.to_dict()
        body["changes"] = body["changes"][:shown]
        body["changes_total"] = len(alert.changes)
        body["changes_omitted"] = len(alert.changes) - shown
        body["text"] = alert.text(max_changes=shown)
        json_body = json.dumps(body, sort_keys=True, default=str)
        structure: dict[str, Any] = {"default": body["text"], "email": body["text"]}
        structure.update(dict.fromkeys(JSON_PROTOCOLS, json_body))
        message = json.dumps(structure)
        if len(message.encode()) <= MAX_MESSAGE_BYTES or shown == 0:
            return message
        shown //= 2


def region_of(topic_arn: str) -> str:
    match = TOPIC_ARN.match(topic_arn)
    if not match:
        raise ValueError(
            f"not an SNS topic ARN: {topic_arn!r} (expected arn:aws:sns:REGION:ACCOUNT:NAME, e.g. the "
            "alert topic from `terraform output`)"
        )
    return match.group(1)


class SnsSink:
    """Publishes alerts to an SNS topic. Throttling and transient errors are retried by botocore."""

    def __init__(
        self,
        topic_arn: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        retries: int = 3,
        timeout_seconds: int = 10,
    ) -> None:
        self.topic_arn = topic_arn
        self.name = "sns"
        import boto3  # when a sink is built, not when settings are read
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "total_max_attempts": retries + 1},
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
        )
        self._client = boto3.client(
            "sns", region_name=region or region_of(topic_arn), endpoint_url=endpoint_url, config=config
        )

    def send(self, alert: Alert) -> None:
        attributes = {
            key: {"DataType": "String", "StringValue": value}
            for key, value in (("event", alert.event), ("severity", alert.severity), ("table", alert.table))
        }
        request: dict[str, Any] = {
            "TopicArn": self.topic_arn,
            "Subject": sns_subject(alert),
            "Message": sns_message(alert),
            "MessageStructure": "json",
            "MessageAttributes": attributes,  # lets subscribers filter, e.g. severity = critical
        }
        if self.topic_arn.endswith(".fifo"):
            request["MessageGroupId"] = alert.table
            request["MessageDeduplicationId"] = f"{alert.event}-{alert.table}-{alert.fingerprint}"[:128]
        self._client.publish(**request)


class SnsSettings(AwsEndpointSettings):
    """The SNS sink: a topic, published to in the topic's own region (the region in its ARN)."""

    sns_topic_arn: str | None = Field(None, description="SNS topic for alerts (terraform/aws output)")

    @model_validator(mode="after")
    def _topic(self) -> Self:
        if self.sns_topic_arn:
            try:
                region_of(self.sns_topic_arn)
            except ValueError as exc:
                raise ValueError(f"ICESPEC_SNS_TOPIC_ARN: {exc}") from None
        return self


def sink_from_settings(settings: SnsSettings, *, retries: int, backoff_seconds: float) -> SnsSink:
    """The SNS sink of the alert registry (botocore's standard retry mode paces its own retries)."""
    topic_arn = settings.sns_topic_arn or ""
    return SnsSink(
        topic_arn,
        endpoint_url=settings.aws_endpoint_url,
        region=region_of(topic_arn),
        retries=retries,
    )
