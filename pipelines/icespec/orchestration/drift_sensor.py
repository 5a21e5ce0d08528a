"""The drift sensor: every template against its live table each interval, alerts deduplicated in the cursor.

The cursor is `icespec.drift.DriftCursor` (what each sink was last told, a fingerprint per
table), so a new tick with the same drift sends nothing, a changed drift is announced again,
and a drift that is gone gets a "resolved" message. The sensor starts no runs: its output is
the alerts, and an asset observation on each table whose drift state changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

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
from pydantic import create_model

from icespec.alerts import Sink, build_sinks
from icespec.alerts.registry import alert_variables
from icespec.catalogs import Settings
from icespec.drift import DriftCursor, DriftReport, detect_drift, notify
from icespec.drift.detect import concurrency_from_env
from icespec.orchestration.resources import LakehouseResource, ScheduleSettings
from icespec.spec import TableSpec

SENSOR_NAME = "table_drift_sensor"
ALERTS_RESOURCE_KEY = "drift_alerts"

# Resource field → environment variable, from the sink registry (icespec.alerts.registry). Only
# variables that are set become EnvVar, so an unset optional sink is simply absent (Dagster fails on
# an EnvVar whose variable is missing).
ALERT_VARIABLES = alert_variables()


class _DriftAlertsConfig(ConfigurableResource):
    retries: int = 2

    def sinks(self, log: Any = None) -> list[Sink]:
        options = {field: getattr(self, field) for field in ALERT_VARIABLES}
        return build_sinks(log=log, retries=self.retries, **options)


# Where drift alerts go: the log always, plus every sink of the registry that is configured. Its
# fields are the registry's options, so a new sink needs no change here (secrets via EnvVar).
DriftAlertsResource = create_model(
    "DriftAlertsResource",
    __base__=_DriftAlertsConfig,
    __doc__="Where drift alerts go: the log always, Slack and SNS when configured (secrets via EnvVar).",
    **{field: (str | None, None) for field in ALERT_VARIABLES},
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
    return ScheduleSettings.read(env).drift_interval_seconds


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
    templates_broken: bool = False,
) -> SensorDefinition:
    """The sensor over `specs`; needs the `lakehouse` and `drift_alerts` resources. While a template is
    broken (`templates_broken`) its table is not in `specs`: it keeps its drift state instead of
    being announced as resolved ("no template any more")."""
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
        result = notify(
            report,
            cursor,
            sinks,
            context=alert_context,
            log=context.log,
            resolve_missing=not templates_broken,
        )
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
