"""Each kind of drift, made by hand with pyiceberg on the SQLite catalog, is reported exactly."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from pyiceberg.transforms import DayTransform, IdentityTransform
from pyiceberg.types import LongType, StringType

from icespec.alerts import DRIFT_DETECTED
from icespec.drift import detect_drift, drift_alert, drift_fingerprint

Lakehouse = "conftest.Lakehouse"  # the `lakehouse` fixture's type (tests/drift/conftest.py)


def add_column(lh: Lakehouse) -> None:
    with lh.table("orders").update_schema() as update:
        update.add_column("coupon_code", StringType(), doc="added by hand")


def change_property(lh: Lakehouse) -> None:
    with lh.table("orders").transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "3"})


def change_partition_spec(lh: Lakehouse) -> None:
    with lh.table("orders").update_spec() as update:
        update.add_field("order_date", DayTransform(), "order_date_day")


def add_nested_field(lh: Lakehouse) -> None:
    with lh.table("scd_type2").update_schema() as update:
        update.add_column(("address", "zip"), StringType())


def make_optional(lh: Lakehouse) -> None:
    with lh.table("orders").update_schema() as update:
        update.update_column("currency", required=False)


def change_doc(lh: Lakehouse) -> None:
    with lh.table("orders").update_schema() as update:
        update.update_column("discount", doc="Discount, edited in the console")


def promote_nested_type(lh: Lakehouse) -> None:
    with lh.table("feature_table").update_schema() as update:
        update.update_column(("stats", "sessions_7d"), LongType())


def change_identifier_fields(lh: Lakehouse) -> None:
    with lh.table("orders").update_schema() as update:
        update.set_identifier_fields("order_id", "customer_id")


def change_sort_order(lh: Lakehouse) -> None:
    with lh.table("orders").update_sort_order() as update:
        update.desc("updated_at", IdentityTransform())


def drop_partition_field(lh: Lakehouse) -> None:
    with lh.table("orders").update_spec() as update:
        update.remove_field("customer_id_bucket_16")


# (alteration, table, the (kind, path) drift must report exactly, (live, template) values of the first)
DRIFT_KINDS: dict[str, tuple[Callable[[Lakehouse], None], str, list[tuple[str, str]], tuple]] = {
    "add_column": (add_column, "orders", [("drop_column", "coupon_code")], ("string", None)),
    "change_property": (
        change_property, "orders", [("set_property", "commit.retry.num-retries")], ("3", "10"),
    ),
    "change_partition_spec": (
        change_partition_spec, "orders", [("remove_partition_field", "order_date_day")],
        ({"column": "order_date", "transform": "day", "name": "order_date_day"}, None),
    ),
    "drop_partition_field": (
        drop_partition_field, "orders", [("add_partition_field", "customer_id_bucket_16")],
        (None, {"column": "customer_id", "transform": "bucket[16]", "name": "customer_id_bucket_16"}),
    ),
    "nested_field": (add_nested_field, "scd_type2", [("drop_column", "address.zip")], ("string", None)),
    "required_ness": (make_optional, "orders", [("make_required", "currency")], (False, True)),
    "doc": (
        change_doc, "orders", [("update_doc", "discount")],
        ("Discount, edited in the console", "Discount granted, if any"),
    ),
    "nested_type": (
        promote_nested_type, "feature_table", [("incompatible_type", "stats.sessions_7d")], ("long", "int"),
    ),
    "identifier_fields": (
        change_identifier_fields, "orders", [("set_identifier_fields", "")],
        (["customer_id", "order_id"], ["order_id"]),
    ),
    "sort_order": (change_sort_order, "orders", [("replace_sort_order", "")], None),
}  # fmt: skip


def test_tables_just_applied_have_no_drift(lakehouse):
    report = detect_drift(lakehouse.specs, lakehouse.catalog)
    assert [t.status for t in report.tables] == ["in_sync"] * 4
    assert report.exit_code == 0
    assert all(t.fingerprint is None for t in report.tables)


@pytest.fixture(params=["sqlite", pytest.param("glue", marks=pytest.mark.moto)])
def any_lakehouse(request):
    """The example tables on the SQLite catalog, and on moto's Glue."""
    return request.getfixturevalue("lakehouse" if request.param == "sqlite" else "glue_lakehouse")


@pytest.mark.parametrize("kind", list(DRIFT_KINDS))
def test_each_drift_kind_is_reported_exactly_on_its_table(any_lakehouse, kind):
    lakehouse = any_lakehouse
    alter, table, expected, values = DRIFT_KINDS[kind]
    alter(lakehouse)

    report = detect_drift(lakehouse.specs, lakehouse.catalog, concurrency=2)

    assert report.exit_code == 2
    (drifted,) = report.drifted
    assert drifted.table == lakehouse.spec(table).full_name
    assert [(c.kind, c.path) for c in drifted.changes] == expected
    if values is not None:
        assert (drifted.changes[0].before, drifted.changes[0].after) == values
    where = drift_alert(DRIFT_DETECTED, drifted).changes[0].location  # the template line to edit
    assert re.fullmatch(rf"{re.escape(drifted.spec.source_path)}:\d+", where)
    assert all(t.status == "in_sync" for t in report.tables if t is not drifted)


def test_a_hand_added_column_alert_names_the_table_diff_severity_and_fix(lakehouse):
    add_column(lakehouse)
    (drifted,) = detect_drift(lakehouse.specs, lakehouse.catalog).drifted
    alert = drift_alert(DRIFT_DETECTED, drifted, context={"backend": "local"})

    template = lakehouse.spec("orders").source_path
    assert alert.table == "sales.orders" and alert.severity == "critical"  # apply cannot undo it safely
    (change,) = alert.changes
    assert change.location == f"{template}:{lakehouse.spec('orders').line_of('columns')}"
    assert change.message == "live column 'coupon_code' string is not in the template"
    assert f"edit `{template}` at line {lakehouse.spec('orders').line_of('columns')}" in alert.fix


def test_a_non_breaking_drift_is_a_warning_fixed_by_apply(lakehouse):
    change_property(lakehouse)
    (drifted,) = detect_drift(lakehouse.specs, lakehouse.catalog).drifted
    alert = drift_alert(DRIFT_DETECTED, drifted)
    assert alert.severity == "warning"
    assert alert.fix.startswith("Run `icespec apply`")
    assert alert.changes[0].location.endswith(f"orders.yaml:{lakehouse.spec('orders').line_of('properties')}")


def test_a_missing_table_is_drift_and_does_not_stop_the_others(lakehouse):
    lakehouse.catalog.drop_table(lakehouse.spec("orders").identifier)
    add_nested_field(lakehouse)

    report = detect_drift(lakehouse.specs, lakehouse.catalog)

    by_table = {t.table: t for t in report.tables}
    assert by_table["sales.orders"].status == "missing"
    assert [c.kind for c in by_table["sales.orders"].changes] == ["create_table"]
    assert by_table["lakehouse.scd_type2"].status == "drift"
    assert drift_alert(DRIFT_DETECTED, by_table["sales.orders"]).severity == "critical"


def test_an_unreadable_table_is_reported_and_the_others_are_still_checked(lakehouse):
    metadata = Path(urlparse(lakehouse.table("orders").metadata_location).path)
    metadata.unlink()  # what a half-deleted or unreachable table looks like to the catalog
    add_nested_field(lakehouse)

    report = detect_drift(lakehouse.specs, lakehouse.catalog)

    by_table = {t.table: t for t in report.tables}
    assert by_table["sales.orders"].status == "error"
    assert "FileNotFoundError" in by_table["sales.orders"].error
    assert by_table["lakehouse.scd_type2"].status == "drift"
    assert {by_table[t].status for t in ("lakehouse.event_stream", "ml.feature_table")} == {"in_sync"}
    assert report.exit_code == 1  # an error outranks drift: the picture is incomplete


def test_loads_run_concurrently_within_the_bound(lakehouse):
    class CountingCatalog:
        """The real catalog, counting how many loads overlap."""

        def __init__(self, catalog):
            self.catalog, self.lock, self.active, self.peak = catalog, threading.Lock(), 0, 0
            self.barrier = threading.Barrier(2, timeout=5)

        def load_table(self, identifier):
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            try:
                self.barrier.wait()  # two loads must be in flight together, or this times out
                return self.catalog.load_table(identifier)
            finally:
                with self.lock:
                    self.active -= 1

    counting = CountingCatalog(lakehouse.catalog)
    report = detect_drift(lakehouse.specs, counting, concurrency=2)
    assert [t.status for t in report.tables] == ["in_sync"] * 4
    assert counting.peak == 2
    with pytest.raises(ValueError, match="at least 1"):
        detect_drift(lakehouse.specs, lakehouse.catalog, concurrency=0)


def test_the_fingerprint_is_stable_and_follows_the_drift(lakehouse):
    add_column(lakehouse)
    first = detect_drift(lakehouse.specs, lakehouse.catalog).drifted[0]
    again = detect_drift(lakehouse.specs, lakehouse.catalog).drifted[0]
    assert first.fingerprint == again.fingerprint is not None
    assert drift_fingerprint(reversed(first.changes)) == first.fingerprint

    change_property(lakehouse)
    changed = detect_drift(lakehouse.specs, lakehouse.catalog).drifted[0]
    assert changed.fingerprint != first.fingerprint

    with lakehouse.table("orders").update_schema() as update:
        update.delete_column("coupon_code")
    with lakehouse.table("orders").transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "10"})
    assert detect_drift(lakehouse.specs, lakehouse.catalog).exit_code == 0


def test_report_json_lists_every_table(lakehouse):
    change_sort_order(lakehouse)
    document = detect_drift(lakehouse.specs, lakehouse.catalog).to_dict()
    assert (document["tables_checked"], document["tables_drifted"], document["tables_failed"]) == (4, 1, 0)
    orders = next(t for t in document["tables"] if t["table"] == "sales.orders")
    assert orders["status"] == "drift" and orders["changes"][0]["kind"] == "replace_sort_order"
