"""The drift sensor: every template against its live table each interval, alerts deduplicated in the cursor.

The cursor is `icespec.drift.DriftCursor` (what each sink was last told, a fingerprint per
table), so a new tick with the same drift sends nothing, a changed drift is announced again,
and a drift that is gone gets a "resolved" message. The sensor starts no runs: its output is
the alerts, and an asset observation on each table whose drift state changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from dagster import (
    AssetKey,
    AssetObservation,
    ConfigurableResource,
    DefaultSensorStatus,
    EnvVar,
    MetadataValue,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from icespec.alerts import Sink, build_sinks
from icespec.catalogs import Settings
from icespec.drift import DriftCursor, DriftReport, detect_drift, notify
from icespec.drift.detect import concurrency_from_env, positive_int_from_env
from icespec.orchestration.resources import LakehouseResource
from icespec.spec import TableSpec

DEFAULT_INTERVAL_SECONDS = 3600
INTERVAL_VARIABLE = "ICESPEC_DRIFT_INTERVAL_SECONDS"
SENSOR_NAME = "table_drift_sensor"
ALERTS_RESOURCE_KEY = "drift_alerts"

# Resource field → environment variable. Only variables that are set become EnvVar, so an unset
# optional sink is simply absent (Dagster fails on an EnvVar whose variable is missing).
ALERT_VARIABLES = {
    "slack_webhook_url": "ICESPEC_SLACK_WEBHOOK_URL",
    "slack_bot_token": "ICESPEC_SLACK_BOT_TOKEN",
    "slack_channel": "ICESPEC_SLACK_CHANNEL",
    "sns_topic_arn": "ICESPEC_SNS_TOPIC_ARN",
    "aws_endpoint_url": "ICESPEC_AWS_ENDPOINT_URL",
    "aws_region": "ICESPEC_AWS_REGION",
}


class DriftAlertsResource(ConfigurableResource):
    """Where drift alerts go: the log always, Slack and SNS when configured (secrets via EnvVar)."""

    slack_webhook_url: str | None = None
    slack_bot_token: str | None = None
    slack_channel: str | None = None
    sns_topic_arn: str | None = None
    aws_endpoint_url: str | None = None
    aws_region: str | None = None
    retries: int = 2

    def sinks(self, log=None) -> list[Sink]:
        return build_sinks(
            slack_webhook_url=self.slack_webhook_url,
            slack_bot_token=self.slack_bot_token,
            slack_channel=self.slack_channel,
            sns_topic_arn=self.sns_topic_arn,
            aws_endpoint_url=self.aws_endpoint_url,
            aws_region=self.aws_region,
            log=log,
            retries=self.retries,
        )


def drift_alerts_resource(env: Mapping[str, str] | None = None) -> DriftAlertsResource:
    """The alerts resource with each configured variable bound as `EnvVar` (never its value)."""
    env = os.environ if env is None else env
    return DriftAlertsResource(
        **{
            field: EnvVar(variable)
            for field, variable in ALERT_VARIABLES.items()
            if env.get(variable, "").strip()
        }
    )


def interval_seconds(env: Mapping[str, str] | None = None) -> int:
    """Seconds between drift checks: ICESPEC_DRIFT_INTERVAL_SECONDS, default hourly."""
    return positive_int_from_env(
        os.environ if env is None else env, INTERVAL_VARIABLE, DEFAULT_INTERVAL_SECONDS
    )


def _observations(report: DriftReport, changed_tables: set[str]) -> list[AssetObservation]:
    return [
        AssetObservation(
            asset_key=AssetKey(list(t.spec.identifier)),
            metadata={
                "drift_status": t.status,
                "drift_fingerprint": t.fingerprint or "",
                "drift_changes": MetadataValue.json([c.to_dict() for c in t.changes]),
                **({"drift_error": t.error} if t.error else {}),
            },
        )
        for t in report.tables
        if t.table in changed_tables
    ]


def build_drift_sensor(
    specs: Sequence[TableSpec],
    settings: Settings,
    *,
    minimum_interval_seconds: int | None = None,
    concurrency: int | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
    name: str = SENSOR_NAME,
) -> SensorDefinition:
    """The sensor over `specs`; needs the `lakehouse` and `drift_alerts` resources."""
    specs = list(specs)
    interval = minimum_interval_seconds or interval_seconds()
    workers = concurrency or concurrency_from_env()
    alert_context = {"backend": settings.backend}

    @sensor(
        name=name,
        minimum_interval_seconds=interval,
        default_status=default_status,
        description=(
            f"Compares the {len(specs)} table template(s) with the live tables every {interval} s and "
            "alerts once per new or changed drift, and when it is resolved."
        ),
    )
    def drift_sensor(
        context: SensorEvaluationContext, lakehouse: LakehouseResource, drift_alerts: DriftAlertsResource
    ) -> SensorResult:
        try:
            cursor = DriftCursor.parse(context.cursor)
        except ValueError as exc:  # e.g. written by another version: start afresh, say so
            context.log.warning(
                f"{exc}; starting with an empty drift state (current drift is announced again)"
            )
            cursor = DriftCursor()
        report = detect_drift(specs, planner=lakehouse.lakehouse().plan, concurrency=workers)
        sinks = drift_alerts.sinks(context.log)
        result = notify(report, cursor, sinks, context=alert_context, log=context.log)
        changed = {d.alert.table for d in result.sent}
        summary = (
            f"{len(report.tables)} table(s) checked: {len(report.drifted)} drifted, {len(report.errors)} "
            f"unreadable; {len(result.sent)} alert(s) sent, {len(result.failed)} failed (retried next tick)"
        )
        context.log.info(summary)
        return SensorResult(
            skip_reason=summary,
            cursor=result.cursor.serialize(),
            asset_events=_observations(report, changed),
        )

    return drift_sensor


def drift_resources() -> dict[str, object]:
    """Resources the sensor needs beyond the lakehouse (which definitions.py provides for every asset)."""
    return {ALERTS_RESOURCE_KEY: drift_alerts_resource()}
