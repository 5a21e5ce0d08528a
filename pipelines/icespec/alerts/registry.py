"""The alert sinks, by name: the one place that lists them and the settings model each reads.

Each entry names its pydantic-settings model and a factory, both "module:attribute", imported only
when needed (the sink modules import slack_sdk or boto3 only when a sink is built). The sink is
configured when one of its `triggers` (model fields) is set; the factory takes the model and returns
the sink. `build_sinks`, the CLI's environment reader and the Dagster alerts resource all derive
from this table: adding a sink is its module plus one entry here (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from icespec.backends.registry import load_attribute
from icespec.environment import EnvironmentSettings, Variable
from icespec.errors import SettingsError


class AlertConfigError(SettingsError):
    """Alert settings that cannot work; the message names the environment variable to fix."""


@dataclass(frozen=True)
class SinkType:
    name: str
    settings: str  # "module:Model": its pydantic-settings model (icespec.environment)
    factory: str  # "module:function(settings, *, retries, backoff_seconds) -> Sink"
    triggers: tuple[str, ...]  # the model fields whose presence means "configure this sink"

    def settings_model(self) -> type[EnvironmentSettings]:
        model: type[EnvironmentSettings] = load_attribute(self.settings)
        return model

    def variables(self) -> list[Variable]:
        """Its ICESPEC_* variables (others, like AWS_ACCESS_KEY_ID, are read by the sink's client)."""
        return self.settings_model().icespec_variables()

    def configured(self, env: Mapping[str, str]) -> bool:
        names = {v.field: (v.name, *v.aliases) for v in self.settings_model().variables()}
        return any((env.get(name) or "").strip() for field in self.triggers for name in names[field])

    def build(self, env: Mapping[str, str], *, retries: int, backoff_seconds: float) -> Any:
        """The sink, its settings read from `env`; AlertConfigError naming each variable to fix."""
        settings = self.settings_model().read(env, needed_for=f"the {self.name} sink", error=AlertConfigError)
        make: Callable[..., Any] = load_attribute(self.factory)
        return make(settings, retries=retries, backoff_seconds=backoff_seconds)


SINK_TYPES: dict[str, SinkType] = {
    sink.name: sink
    for sink in (
        SinkType(
            "slack",
            "icespec.alerts.slack:SlackSettings",
            "icespec.alerts.slack:sink_from_settings",
            triggers=("slack_webhook_url", "slack_bot_token", "slack_channel"),
        ),
        SinkType(
            "sns",
            "icespec.alerts.sns:SnsSettings",
            "icespec.alerts.sns:sink_from_settings",
            triggers=("sns_topic_arn",),
        ),
    )
}


def alert_variables() -> dict[str, str]:
    """Every sink's option (model field) and its variable; an option several sinks share, once."""
    return {v.field: v.name for sink in SINK_TYPES.values() for v in sink.variables()}
