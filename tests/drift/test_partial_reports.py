"""A drift report that does not cover every template never announces a table as resolved.

Tables left out of a run (the CLI naming others, or a template that cannot be read) keep what
each sink was told; only a run over every template may say that a table lost its template.
"""

from __future__ import annotations

from icespec.alerts import DRIFT_RESOLVED
from icespec.drift import DriftCursor, notify, pending_alerts
from icespec.drift.detect import DriftReport
from icespec.drift.state import Told


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.alerts: list = []

    def send(self, alert) -> None:
        self.alerts.append(alert)


TOLD = {"sales.orders": Told("fp", ("c1",), None)}


def test_a_complete_report_resolves_a_table_whose_template_is_gone():
    (pending,) = pending_alerts(DriftReport(tables=()), TOLD)
    assert [a.event for a in pending.alerts] == [DRIFT_RESOLVED]


def test_a_partial_report_keeps_the_state_of_the_tables_it_left_out():
    assert pending_alerts(DriftReport(tables=()), TOLD, resolve_missing=False) == []
    sink = Recorder()
    cursor = DriftCursor({"recorder": dict(TOLD)})
    result = notify(DriftReport(tables=()), cursor, [sink], resolve_missing=False)
    assert sink.alerts == [] and result.deliveries == ()
    assert result.cursor.sinks["recorder"] == TOLD
