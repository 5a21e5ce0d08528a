"""Adding an alert sink is its module plus one registry entry (docs/extending.md): the builder, the
environment reader and the Dagster alerts resource all come from `icespec.alerts.registry`."""

from __future__ import annotations

from typing import Self

import pytest
from pydantic import Field, model_validator

from icespec.alerts import DRIFT_DETECTED, Alert, AlertConfigError, build_sinks, deliver, sinks_from_env
from icespec.alerts.registry import SINK_TYPES, SinkType, alert_variables
from icespec.environment import EnvironmentSettings
from icespec.orchestration.drift_sensor import DriftAlertsResource, drift_alerts_resource

RECEIVED: list[tuple[str, str]] = []


class ListSink:
    """A sink of this test module: it keeps what it was sent."""

    def __init__(self, label: str) -> None:
        self.name = f"list:{label}"

    def send(self, alert: Alert) -> None:
        RECEIVED.append((self.name, alert.table))


class ListSettings(EnvironmentSettings):
    list_label: str | None = Field(None, description="the list's label")

    @model_validator(mode="after")
    def _plain_word(self) -> Self:
        if self.list_label and not self.list_label.isidentifier():
            raise ValueError(f"ICESPEC_LIST_LABEL={self.list_label!r} must be a plain word")
        return self


def sink_from_settings(settings: ListSettings, *, retries: int, backoff_seconds: float) -> ListSink:
    return ListSink(settings.list_label or "")


@pytest.fixture
def list_sink(monkeypatch: pytest.MonkeyPatch) -> SinkType:
    entry = SinkType("list", f"{__name__}:ListSettings", f"{__name__}:sink_from_settings", ("list_label",))
    monkeypatch.setitem(SINK_TYPES, "list", entry)
    RECEIVED.clear()
    return entry


def test_one_entry_makes_a_sink_the_builder_and_the_environment_reader_know(list_sink: SinkType):
    sinks = sinks_from_env({"ICESPEC_LIST_LABEL": "ops"})
    assert [s.name for s in sinks] == ["log", "list:ops"]
    alert = Alert(event=DRIFT_DETECTED, table="sales.orders", severity="warning", summary="drift")
    assert all(d.ok for d in deliver([alert], sinks))
    assert RECEIVED == [("list:ops", "sales.orders")]
    assert [s.name for s in build_sinks(list_label="dev")] == ["log", "list:dev"]
    with pytest.raises(AlertConfigError, match="ICESPEC_LIST_LABEL"):
        sinks_from_env({"ICESPEC_LIST_LABEL": "not a word"})
    assert [s.name for s in sinks_from_env({})] == ["log"]  # unconfigured: absent


def test_an_option_no_sink_reads_is_an_error_not_ignored():
    with pytest.raises(TypeError, match="slack_webhook"):
        build_sinks(slack_webhook="https://hooks.slack.com/x")  # a typo of slack_webhook_url


def test_the_dagster_resource_has_a_field_per_registry_option():
    fields = set(DriftAlertsResource.model_fields) - {"retries"}
    assert fields == set(alert_variables())
    resource = drift_alerts_resource({"ICESPEC_SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t"})
    assert resource.sns_topic_arn is not None and resource.slack_webhook_url is None
