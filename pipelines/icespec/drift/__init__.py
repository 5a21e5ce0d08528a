"""Drift: live tables against their templates, deduplicated into alerts.

`detect_drift` compares (through the one diff engine `icespec.tables.diff`), `notify` turns a
report into alerts each sink has not yet heard, and keeps that in a `DriftCursor`.
"""

from icespec.drift.detect import (
    DEFAULT_CONCURRENCY,
    DriftReport,
    Planner,
    TableDrift,
    catalog_planner,
    change_fingerprint,
    check_table,
    detect_drift,
    drift_fingerprint,
)
from icespec.drift.render import drift_alert, fix_text, resolved_alert, severity
from icespec.drift.state import DriftCursor, NotifyResult, Pending, Told, notify, pending_alerts, transition

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DriftCursor",
    "DriftReport",
    "NotifyResult",
    "Pending",
    "Planner",
    "TableDrift",
    "Told",
    "catalog_planner",
    "change_fingerprint",
    "check_table",
    "detect_drift",
    "drift_alert",
    "drift_fingerprint",
    "fix_text",
    "notify",
    "pending_alerts",
    "resolved_alert",
    "severity",
    "transition",
]
