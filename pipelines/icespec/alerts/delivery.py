"""Sending alerts to every sink: a failing sink is logged and never stops the others or the caller."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from icespec.alerts.model import CHECK_FAILED, DRIFT_CHANGED, DRIFT_DETECTED, Alert
from icespec.alerts.registry import SINK_TYPES, AlertConfigError, alert_variables

logger = logging.getLogger("icespec.alerts")

__all__ = ["AlertConfigError", "Delivery", "LogSink", "Sink", "build_sinks", "deliver", "sinks_from_env"]


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


def build_sinks(
    log: logging.Logger | logging.LoggerAdapter | None = None,
    retries: int = 2,
    backoff_seconds: float = 0.5,
    **options: str | None,
) -> list[Sink]:
    """The log sink, plus every sink of the registry (`icespec.alerts.registry`) its options configure.
    Options are the sinks' settings fields (slack_webhook_url, sns_topic_arn, ...), read as if they
    were their variables; nothing else is read from the environment."""
    known = alert_variables()
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(f"unknown alert option(s) {', '.join(unknown)}; known: {', '.join(known)}")
    env = {known[option]: value for option, value in options.items() if value}
    return sinks_from_env(env, log, retries=retries, backoff_seconds=backoff_seconds)


def sinks_from_env(
    env: Mapping[str, str] | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
    *,
    retries: int = 2,
    backoff_seconds: float = 0.5,
) -> list[Sink]:
    """The log sink, plus every sink whose variables `env` sets (ICESPEC_SLACK_WEBHOOK_URL,
    ICESPEC_SNS_TOPIC_ARN, ...); the process environment when None."""
    env = os.environ if env is None else env
    sinks: list[Sink] = [LogSink(log)]
    for sink_type in SINK_TYPES.values():
        if sink_type.configured(env):
            sinks.append(sink_type.build(env, retries=retries, backoff_seconds=backoff_seconds))
    return sinks
