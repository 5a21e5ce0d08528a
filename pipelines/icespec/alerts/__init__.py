"""Alerts: what happened to a table, sent to Slack, SNS and the log.

Sinks are thin: each renders an `Alert` for its medium and lets its client (slack_sdk, botocore)
retry transient errors; `deliver` logs what still fails and carries on.
"""

from icespec.alerts.delivery import (
    AlertConfigError,
    Delivery,
    LogSink,
    Sink,
    build_sinks,
    deliver,
    sinks_from_env,
)
from icespec.alerts.model import (
    CHECK_FAILED,
    CHECK_RECOVERED,
    DRIFT_CHANGED,
    DRIFT_DETECTED,
    DRIFT_RESOLVED,
    Alert,
    AlertChange,
)

__all__ = [
    "CHECK_FAILED",
    "CHECK_RECOVERED",
    "DRIFT_CHANGED",
    "DRIFT_DETECTED",
    "DRIFT_RESOLVED",
    "Alert",
    "AlertChange",
    "AlertConfigError",
    "Delivery",
    "LogSink",
    "Sink",
    "build_sinks",
    "deliver",
    "sinks_from_env",
]
