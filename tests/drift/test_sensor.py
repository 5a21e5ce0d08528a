"""The Dagster drift sensor across ticks (`build_sensor_context`), alerting the Slack stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DefaultSensorStatus, EnvVar, SensorResult, build_sensor_context
from pyiceberg.transforms import DayTransform
from pyiceberg.types import StringType

from icespec.drift import DriftCursor
from icespec.orchestration.drift_sensor import (
    DriftAlertsResource,
    build_drift_sensor,
    drift_alerts_resource,
    interval_seconds,
)
from icespec.orchestration.resources import LakehouseResource


@pytest.fixture()
def sensor_run(lakehouse, slack, monkeypatch):
    """Evaluate the sensor like the daemon does: the cursor of one tick is given to the next."""
    monkeypatch.setenv("ICESPEC_SLACK_WEBHOOK_URL", slack.webhook_url)
    sensor = build_drift_sensor(lakehouse.specs, lakehouse.settings, minimum_interval_seconds=60)
    resources = {
        "lakehouse": LakehouseResource(backend="local", lakehouse_dir=str(lakehouse.settings.lakehouse_dir)),
        "drift_alerts": drift_alerts_resource(),  # the webhook URL arrives through EnvVar
    }
    state = {"cursor": None}

    def tick() -> SensorResult:
        with build_sensor_context(cursor=state["cursor"], resources=resources) as context:
            result = sensor(context)
        state["cursor"] = result.cursor
        return result

    return tick


def slack_headers(slack) -> list[str]:
    headers = [r.body["blocks"][0]["text"]["text"] for r in slack.requests]
    slack.requests.clear()
    return headers


def test_hand_changes_are_reported_once_and_reverting_sends_resolved(lakehouse, slack, sensor_run):
    first = sensor_run()
    assert slack_headers(slack) == []
    assert first.skip_reason.skip_message.startswith("4 table(s) checked: 0 drifted")

    orders = lakehouse.table("orders")
    with orders.update_schema() as update:
        update.add_column("coupon_code", StringType())
    with orders.transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "3"})
    with lakehouse.table("orders").update_spec() as update:
        update.add_field("order_date", DayTransform(), "order_date_day")

    drifted = sensor_run()
    assert slack_headers(slack) == [":warning: Drift detected: sales.orders"]
    (observation,) = drifted.asset_events
    assert observation.asset_key.path == ["sales", "orders"]
    assert observation.metadata["drift_status"].value == "drift"
    kinds = [c["kind"] for c in observation.metadata["drift_changes"].value]
    assert kinds == ["drop_column", "remove_partition_field", "set_property"]
    assert drifted.skip_reason.skip_message.startswith("4 table(s) checked: 1 drifted")

    again = sensor_run()
    assert slack_headers(slack) == []  # same drift, new tick: nothing
    assert again.asset_events == []
    assert again.cursor == drifted.cursor

    orders = lakehouse.table("orders")
    with orders.update_schema() as update:
        update.delete_column("coupon_code")
    with orders.transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "10"})
    with lakehouse.table("orders").update_spec() as update:
        update.remove_field("order_date_day")

    resolved = sensor_run()
    assert slack_headers(slack) == [":white_check_mark: Drift resolved: sales.orders"]
    assert resolved.asset_events[0].metadata["drift_status"].value == "in_sync"
    sensor_run()
    assert slack_headers(slack) == []


def test_a_failing_slack_never_fails_the_tick_and_is_retried(lakehouse, slack, sensor_run):
    with lakehouse.table(["ml", "feature_table"][1]).transaction() as tx:
        tx.set_properties({"write.target-file-size-bytes": "1"})
    slack.failures.extend([500] * 10)
    failed = sensor_run()
    assert "1 failed (retried next tick)" in failed.skip_reason.skip_message
    cursor = DriftCursor.parse(failed.cursor)
    assert "ml.feature_table" not in cursor.sinks["slack:webhook"]  # not told yet
    assert "ml.feature_table" in cursor.sinks["log"]

    slack.failures.clear()
    slack.requests.clear()
    sensor_run()
    assert slack_headers(slack) == [":warning: Drift detected: ml.feature_table"]


def test_a_cursor_from_elsewhere_starts_afresh(lakehouse, slack):
    sensor = build_drift_sensor(lakehouse.specs, lakehouse.settings, minimum_interval_seconds=60)
    resources = {
        "lakehouse": LakehouseResource(backend="local", lakehouse_dir=str(lakehouse.settings.lakehouse_dir)),
        "drift_alerts": DriftAlertsResource(slack_webhook_url=slack.webhook_url),
    }
    with lakehouse.table("orders").update_schema() as update:
        update.add_column("coupon_code", StringType())
    with build_sensor_context(cursor="42", resources=resources) as context:
        result = sensor(context)
    assert DriftCursor.parse(result.cursor).sinks["log"]["sales.orders"].drift
    assert slack_headers(slack) == [":warning: Drift detected: sales.orders"]


def test_the_interval_defaults_to_hourly_and_is_configurable(lakehouse, monkeypatch):
    monkeypatch.delenv("ICESPEC_DRIFT_INTERVAL_SECONDS", raising=False)
    sensor = build_drift_sensor(lakehouse.specs, lakehouse.settings)
    assert sensor.minimum_interval_seconds == 3600
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert sorted(sensor.required_resource_keys) == ["drift_alerts", "lakehouse"]

    monkeypatch.setenv("ICESPEC_DRIFT_INTERVAL_SECONDS", "600")
    assert build_drift_sensor(lakehouse.specs, lakehouse.settings).minimum_interval_seconds == 600
    for bad in ("0", "hourly", "-5"):
        with pytest.raises(ValueError, match="ICESPEC_DRIFT_INTERVAL_SECONDS"):
            interval_seconds({"ICESPEC_DRIFT_INTERVAL_SECONDS": bad})


def test_alert_secrets_are_bound_as_env_vars_not_values():
    resource = drift_alerts_resource(
        {
            "ICESPEC_SLACK_BOT_TOKEN": "xoxb-secret",
            "ICESPEC_SLACK_CHANNEL": "#alerts",
            "ICESPEC_SNS_TOPIC_ARN": "",
        }
    )
    assert resource.slack_bot_token == EnvVar("ICESPEC_SLACK_BOT_TOKEN")
    assert resource.slack_channel == EnvVar("ICESPEC_SLACK_CHANNEL")
    assert resource.sns_topic_arn is None and resource.slack_webhook_url is None


def test_the_sensor_is_wired_into_the_project_definitions(lakehouse, slack, monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(lakehouse.settings.lakehouse_dir))
    monkeypatch.setenv("ICESPEC_TEMPLATES", str(Path(__file__).resolve().parents[2] / "table-templates"))
    monkeypatch.setenv("ICESPEC_SLACK_WEBHOOK_URL", slack.webhook_url)
    monkeypatch.delenv("ICESPEC_BACKEND", raising=False)
    monkeypatch.delitem(sys.modules, "icespec.definitions", raising=False)
    defs = importlib.import_module("icespec.definitions").defs
    monkeypatch.delitem(sys.modules, "icespec.definitions")

    sensor = defs.resolve_sensor_def("table_drift_sensor")
    assert sensor.minimum_interval_seconds == 3600
    with lakehouse.table("orders").update_schema() as update:
        update.add_column("coupon_code", StringType())
    with build_sensor_context(resources=defs.resources, sensor_name=sensor.name) as context:
        result = sensor(context)
    assert "1 drifted" in result.skip_reason.skip_message
    assert slack_headers(slack) == [":warning: Drift detected: sales.orders"]
