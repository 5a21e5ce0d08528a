"""Deduplication over ticks: once when drift appears, again when it changes, "resolved" when gone."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from pyiceberg.types import StringType

from icespec.alerts import (
    CHECK_FAILED,
    CHECK_RECOVERED,
    DRIFT_CHANGED,
    DRIFT_DETECTED,
    DRIFT_RESOLVED,
    Alert,
    LogSink,
)
from icespec.alerts.slack import SlackSink
from icespec.drift import DriftCursor, detect_drift, notify


class Inbox:
    """A sink that keeps what it receives (stands for a person reading the channel)."""

    def __init__(self, name: str = "inbox") -> None:
        self.name = name
        self.alerts: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.alerts.append(alert)

    def take(self) -> list[tuple[str, str]]:
        received = [(a.event, a.table) for a in self.alerts]
        self.alerts.clear()
        return received


class Ticker:
    """Runs detection + notify like the sensor does, carrying the cursor through its JSON form."""

    def __init__(self, lakehouse, sinks):
        self.lakehouse, self.sinks, self.cursor = lakehouse, sinks, ""
        self.specs = lakehouse.specs

    def tick(self):
        report = detect_drift(self.specs, self.lakehouse.catalog)
        result = notify(report, DriftCursor.parse(self.cursor), self.sinks, context={"backend": "local"})
        self.cursor = result.cursor.serialize()
        return result


def add_coupon_column(lakehouse) -> None:
    with lakehouse.table("orders").update_schema() as update:
        update.add_column("coupon_code", StringType())


def set_retries(lakehouse, value: str) -> None:
    with lakehouse.table("orders").transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": value})


def test_alert_once_again_on_change_resolved_when_gone(lakehouse):
    inbox = Inbox()
    ticker = Ticker(lakehouse, [inbox])

    ticker.tick()
    assert inbox.take() == []  # in sync: nothing

    add_coupon_column(lakehouse)
    ticker.tick()
    assert inbox.take() == [(DRIFT_DETECTED, "sales.orders")]
    ticker.tick()
    ticker.tick()
    assert inbox.take() == []  # same drift, new ticks: nothing

    set_retries(lakehouse, "3")
    ticker.tick()
    (changed,) = inbox.alerts
    assert changed.event == DRIFT_CHANGED
    assert changed.summary.startswith("The drift changed (1 new difference, 0 no longer present)")
    assert [c.kind for c in changed.changes] == ["drop_column", "set_property"]
    inbox.take()

    with lakehouse.table("orders").update_schema() as update:
        update.delete_column("coupon_code")
    ticker.tick()
    assert inbox.alerts[0].summary.startswith("The drift changed (0 new differences, 1 no longer present)")
    inbox.take()

    set_retries(lakehouse, "10")
    ticker.tick()
    (resolved,) = inbox.alerts
    assert (resolved.event, resolved.table, resolved.severity) == (DRIFT_RESOLVED, "sales.orders", "info")
    inbox.take()
    ticker.tick()
    assert inbox.take() == []
    assert DriftCursor.parse(ticker.cursor).sinks == {"inbox": {}}  # in sync tables are not stored


def test_a_failed_delivery_is_retried_next_tick_without_repeating_the_other_sinks(lakehouse, slack):
    inbox = Inbox()
    flaky = SlackSink(webhook_url=slack.webhook_url, retries=0)
    ticker = Ticker(lakehouse, [LogSink(), flaky, inbox])
    add_coupon_column(lakehouse)

    slack.failures.append(500)
    first = ticker.tick()
    assert [(d.sink, d.ok) for d in first.deliveries] == [
        ("log", True),
        ("slack:webhook", False),
        ("inbox", True),
    ]
    assert inbox.take() == [(DRIFT_DETECTED, "sales.orders")]

    second = ticker.tick()
    assert [(d.sink, d.ok, d.alert.event) for d in second.deliveries] == [
        ("slack:webhook", True, DRIFT_DETECTED)
    ]
    assert inbox.take() == []
    assert len(slack.requests) == 2  # the failure, then the one delivery
    assert "sales.orders" in slack.requests[1].body["blocks"][0]["text"]["text"]

    assert ticker.tick().deliveries == ()


def test_an_unreachable_table_alerts_once_and_its_drift_is_not_re_announced(lakehouse):
    inbox = Inbox()
    ticker = Ticker(lakehouse, [inbox])
    add_coupon_column(lakehouse)
    ticker.tick()
    assert inbox.take() == [(DRIFT_DETECTED, "sales.orders")]

    metadata = Path(urlparse(lakehouse.table("orders").metadata_location).path)
    saved = metadata.read_bytes()
    metadata.unlink()
    ticker.tick()
    (failed,) = inbox.alerts
    assert (failed.event, failed.severity) == (CHECK_FAILED, "error")
    assert "FileNotFoundError" in failed.summary
    inbox.take()
    ticker.tick()
    assert inbox.take() == []  # the same failure is not repeated

    metadata.write_bytes(saved)
    ticker.tick()
    assert inbox.take() == [(CHECK_RECOVERED, "sales.orders")]  # the drift is unchanged: not repeated


def test_a_table_whose_template_was_removed_is_resolved(lakehouse):
    inbox = Inbox()
    ticker = Ticker(lakehouse, [inbox])
    add_coupon_column(lakehouse)
    ticker.tick()
    inbox.take()

    ticker.specs = [s for s in lakehouse.specs if s.name != "orders"]
    ticker.tick()
    (resolved,) = inbox.alerts
    assert (resolved.event, resolved.table) == (DRIFT_RESOLVED, "sales.orders")
    assert "no template" in resolved.summary


def test_a_sink_added_later_hears_the_current_drift_once(lakehouse):
    first, late = Inbox("first"), Inbox("late")
    ticker = Ticker(lakehouse, [first])
    add_coupon_column(lakehouse)
    ticker.tick()
    ticker.sinks = [first, late]
    ticker.tick()
    assert (first.take(), late.take()) == (
        [(DRIFT_DETECTED, "sales.orders")],
        [(DRIFT_DETECTED, "sales.orders")],
    )


@pytest.mark.parametrize("text", ["not json", '{"sinks": {}}', '{"version": 99}'])
def test_a_cursor_this_version_did_not_write_is_rejected(text):
    with pytest.raises(ValueError, match="drift cursor"):
        DriftCursor.parse(text)
