"""Deduplication: alert once when drift appears, again only when it changes, "resolved" when it is gone.

The state is what each sink was last told about each table (a fingerprint per table), so a sink
that failed is told again on the next tick while the sinks that succeeded are not repeated. It
serializes to a small JSON cursor (the Dagster sensor's cursor, or a file for `icespec drift
--notify --state`); tables in sync are not stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from icespec.alerts import (
    CHECK_FAILED,
    CHECK_RECOVERED,
    DRIFT_CHANGED,
    DRIFT_DETECTED,
    Alert,
    Delivery,
    Sink,
    deliver,
)
from icespec.drift.detect import DriftReport, TableDrift, change_fingerprint
from icespec.drift.render import drift_alert, resolved_alert

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Told:
    """What a sink last heard about a table. The default (nothing) means "in sync"."""

    drift: str | None = None  # fingerprint of the drift last announced
    changes: tuple[str, ...] = ()  # its changes' fingerprints, to say what changed next time
    error: str | None = None  # kind of check failure last announced

    @property
    def clean(self) -> bool:
        return self.drift is None and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {"drift": self.drift, "changes": list(self.changes), "error": self.error}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Told:
        return cls(data.get("drift"), tuple(data.get("changes") or ()), data.get("error"))


@dataclass(frozen=True)
class DriftCursor:
    sinks: Mapping[str, Mapping[str, Told]] = field(default_factory=dict)  # sink → table → Told

    def serialize(self) -> str:
        return json.dumps(
            {
                "version": CURSOR_VERSION,
                "sinks": {
                    sink: {table: told.to_json() for table, told in sorted(tables.items())}
                    for sink, tables in sorted(self.sinks.items())
                },
            },
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, text: str | None) -> DriftCursor:
        """The cursor from its JSON; ValueError when it is not one this version wrote."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"drift cursor is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != CURSOR_VERSION:
            raise ValueError(f"drift cursor has no version {CURSOR_VERSION} marker")
        return cls(
            {
                sink: {table: Told.from_json(told) for table, told in tables.items()}
                for sink, tables in data.get("sinks", {}).items()
            }
        )


@dataclass(frozen=True)
class Pending:
    """Alerts a sink owes about one table, and what the sink knows once they are delivered."""

    table: str
    alerts: tuple[Alert, ...]
    told: Told


def transition(previous: Told, drift: TableDrift, context: Mapping[str, str] | None = None) -> Pending | None:
    """The state machine for one table and one sink. None: nothing to say, nothing to remember."""
    alerts: list[Alert] = []
    if drift.error is not None:
        # Nothing is known about the drift while the table cannot be read: keep what was announced.
        if previous.error != drift.error_kind:
            alerts.append(drift_alert(CHECK_FAILED, drift, context=context))
        now = Told(previous.drift, previous.changes, drift.error_kind)
    else:
        if previous.error is not None:
            alerts.append(drift_alert(CHECK_RECOVERED, drift, context=context))
        fingerprint = drift.fingerprint
        changes = tuple(sorted(change_fingerprint(c) for c in drift.changes))
        if fingerprint and previous.drift is None:
            alerts.append(drift_alert(DRIFT_DETECTED, drift, context=context))
        elif fingerprint and fingerprint != previous.drift:
            new, gone = set(changes) - set(previous.changes), set(previous.changes) - set(changes)
            alerts.append(
                drift_alert(
                    DRIFT_CHANGED, drift, new_changes=len(new), gone_changes=len(gone), context=context
                )
            )
        elif fingerprint is None and previous.drift is not None:
            alerts.append(
                resolved_alert(
                    drift.table,
                    drift.spec.source_path,
                    reason="The live table matches its template again.",
                    context=context,
                )
            )
        now = Told(fingerprint, changes, None)
    if not alerts and now == previous:
        return None
    return Pending(drift.table, tuple(alerts), now)


def pending_alerts(
    report: DriftReport,
    told: Mapping[str, Told],
    context: Mapping[str, str] | None = None,
    *,
    resolve_missing: bool = True,
) -> list[Pending]:
    """Everything one sink should hear about this report, given what it was told before.

    A table the sink was told about that is not in the report has lost its template, and is
    resolved, only when the report covers every template (`resolve_missing`): not when some tables
    were left out on purpose (the CLI naming tables) or because a template could not be read."""
    pending = [p for d in report.tables if (p := transition(told.get(d.table, Told()), d, context))]
    checked = {d.table for d in report.tables}
    for table in sorted(set(told) - checked) if resolve_missing else ():
        if not told[table].clean:  # its template was deleted: nobody watches it any more
            reason = "The table has no template any more, so it is no longer checked for drift."
            pending.append(
                Pending(table, (resolved_alert(table, None, reason=reason, context=context),), Told())
            )
    return pending


@dataclass(frozen=True)
class NotifyResult:
    cursor: DriftCursor
    deliveries: tuple[Delivery, ...]

    @property
    def sent(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.ok)

    @property
    def failed(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if not d.ok)


def notify(
    report: DriftReport,
    cursor: DriftCursor,
    sinks: Sequence[Sink],
    *,
    context: Mapping[str, str] | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
    resolve_missing: bool = True,
) -> NotifyResult:
    """Send each sink what it has not been told; remember only what it received (failures retry next tick)."""
    deliveries: list[Delivery] = []
    sinks_told: dict[str, dict[str, Told]] = {}
    for sink in sinks:
        told = dict(cursor.sinks.get(sink.name, {}))
        for pending in pending_alerts(report, told, context, resolve_missing=resolve_missing):
            results = deliver(pending.alerts, [sink], log)
            deliveries.extend(results)
            if all(r.ok for r in results):
                if pending.told.clean:
                    told.pop(pending.table, None)
                else:
                    told[pending.table] = pending.told
        sinks_told[sink.name] = told  # sinks no longer configured drop out of the cursor
    return NotifyResult(DriftCursor(sinks_told), tuple(deliveries))
