"""The alert sinks, by name: the one place that lists them and the settings each reads.

Each entry names its settings as (option, ICESPEC_* variable) and a factory "module:function"
imported only when the sink is configured (so slack_sdk or boto3 load only when needed). The
factory runs when one of its `triggers` is set; it takes the options (None when unset) and returns
the sink, or raises AlertConfigError naming the variable to fix. `build_sinks`, the CLI's
environment reader and the Dagster alerts resource all derive from this table: adding a sink is
its module plus one entry here (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from icespec.backends.registry import load_attribute


@dataclass(frozen=True)
class SinkType:
    name: str
    variables: tuple[tuple[str, str], ...]  # (option, ICESPEC_* variable)
    factory: str  # "module:function(options, *, retries, backoff_seconds) -> Sink"
    triggers: tuple[str, ...]  # the options whose presence means "configure this sink"

    def configured(self, options: Mapping[str, str | None]) -> bool:
        return any(options.get(option) for option in self.triggers)

    def build(self, options: Mapping[str, str | None], *, retries: int, backoff_seconds: float) -> Any:
        make: Callable[..., Any] = load_attribute(self.factory)
        return make(
            {o: options.get(o) for o, _ in self.variables}, retries=retries, backoff_seconds=backoff_seconds
        )


SINK_TYPES: dict[str, SinkType] = {
    sink.name: sink
    for sink in (
        SinkType(
            "slack",
            (
                ("slack_webhook_url", "ICESPEC_SLACK_WEBHOOK_URL"),
                ("slack_bot_token", "ICESPEC_SLACK_BOT_TOKEN"),
                ("slack_channel", "ICESPEC_SLACK_CHANNEL"),
            ),
            "icespec.alerts.slack:sink_from_options",
            triggers=("slack_webhook_url", "slack_bot_token", "slack_channel"),
        ),
        SinkType(
            "sns",
            (
                ("sns_topic_arn", "ICESPEC_SNS_TOPIC_ARN"),
                ("aws_endpoint_url", "ICESPEC_AWS_ENDPOINT_URL"),
                ("aws_region", "ICESPEC_AWS_REGION"),
            ),
            "icespec.alerts.sns:sink_from_options",
            triggers=("sns_topic_arn",),
        ),
    )
}


def alert_variables() -> dict[str, str]:
    """Every sink option and its environment variable (options shared by sinks, like aws_region, once)."""
    return {option: variable for sink in SINK_TYPES.values() for option, variable in sink.variables}
