"""What an alert says, independent of where it is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Events an alert reports. Drift alerts are deduplicated upstream: one per appearance or change.
DRIFT_DETECTED = "drift_detected"
DRIFT_CHANGED = "drift_changed"
DRIFT_RESOLVED = "drift_resolved"
CHECK_FAILED = "check_failed"  # the table could not be compared (unreachable, unreadable metadata)
CHECK_RECOVERED = "check_recovered"
EVENTS = (DRIFT_DETECTED, DRIFT_CHANGED, DRIFT_RESOLVED, CHECK_FAILED, CHECK_RECOVERED)

SEVERITIES = ("info", "warning", "critical", "error")


@dataclass(frozen=True)
class AlertChange:
    """One field-level difference between the live table and its template."""

    kind: str  # the diff engine's change kind, e.g. "add_column", "set_property"
    path: str  # column path, property key, or "" for the table
    before: Any  # JSON-able: the live table's value (as the diff engine reports it)
    after: Any  # JSON-able: the template's value
    message: str
    breaking: bool = False
    location: str | None = None  # "table-templates/orders.yaml:14" — where to edit

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "message": self.message,
            "breaking": self.breaking,
            "location": self.location,
        }


@dataclass(frozen=True)
class Alert:
    event: str  # one of EVENTS
    table: str  # "namespace.name"
    severity: str  # one of SEVERITIES
    summary: str  # one readable line
    fix: str = ""  # what to do about it, readable
    changes: tuple[AlertChange, ...] = ()
    template: str | None = None  # the table's YAML file
    fingerprint: str | None = None  # identifies this drift; equal drift gives an equal fingerprint
    context: dict[str, str] = field(default_factory=dict)  # e.g. {"backend": "aws-glue"}

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"unknown alert event {self.event!r}; expected one of {', '.join(EVENTS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}; expected one of {', '.join(SEVERITIES)}")

    @property
    def title(self) -> str:
        titles = {
            DRIFT_DETECTED: "Drift detected",
            DRIFT_CHANGED: "Drift changed",
            DRIFT_RESOLVED: "Drift resolved",
            CHECK_FAILED: "Drift check failed",
            CHECK_RECOVERED: "Drift check recovered",
        }
        return f"{titles[self.event]}: {self.table}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": "icespec",
            "event": self.event,
            "table": self.table,
            "severity": self.severity,
            "title": self.title,
            "summary": self.summary,
            "fix": self.fix,
            "template": self.template,
            "fingerprint": self.fingerprint,
            "context": dict(self.context),
            "changes": [c.to_dict() for c in self.changes],
        }

    def text(self, max_changes: int | None = None) -> str:
        """Readable plain text (log lines, e-mail, SNS default message)."""
        lines = [f"[{self.severity.upper()}] {self.title}", self.summary]
        shown = self.changes if max_changes is None else self.changes[:max_changes]
        for change in shown:
            where = f"  ({change.location})" if change.location else ""
            lines.append(f"  - {change.message}{where}")
        if len(shown) < len(self.changes):
            lines.append(f"  ... and {len(self.changes) - len(shown)} more change(s): run `icespec drift`")
        if self.fix:
            lines.append(f"Fix: {self.fix}")
        if self.template:
            lines.append(f"Template: {self.template}")
        return "\n".join(lines)
