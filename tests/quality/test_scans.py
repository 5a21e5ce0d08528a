"""Real Soda scans over Arrow in DuckDB: clean data passes, and data built to break each check kind
fails exactly the checks it should, with the right severity, metric values and a reason."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

import pyarrow as pa
import pytest

from icespec.quality import scan_arrow
from icespec.spec import parse_spec
from tests.quality.quality_data import FRESH_NOW, LATEST_UPDATE, clean_probe_rows, table_from_rows

ALL_PROBE_KEYS = {
    "row_count",
    "schema",
    "missing_id",
    "missing_region",
    "missing_status",
    "accepted_values_status",
    "min_score",
    "max_score",
    "regex_code",
    "max_length_code",
    "missing_address_country",
    "max_length_address_country",
    "missing_updated_at",
    "duplicate_id_region",
    "freshness_updated_at",
}


@pytest.fixture(scope="module")
def clean_result(probe_spec):
    return scan_arrow(probe_spec, table_from_rows(probe_spec, clean_probe_rows()), now=FRESH_NOW)


def test_clean_data_passes_every_generated_check(clean_result):
    assert {c.key for c in clean_result.checks} == ALL_PROBE_KEYS
    not_passing = [(c.key, c.outcome, c.message) for c in clean_result.checks if not c.passed]
    assert not not_passing
    assert clean_result.exit_code == 0
    assert clean_result.outcome == "pass"
    assert clean_result.check("row_count").metrics["value"] == 8
    assert clean_result.check("missing_id").metrics["value"] == 0
    assert all(c.severity is None for c in clean_result.checks)


def _set(row_index: int, **values) -> Callable[[list[dict]], list[dict]]:
    def mutate(rows: list[dict]) -> list[dict]:
        rows[row_index].update(values)
        return rows

    return mutate


def _duplicate_key(rows: list[dict]) -> list[dict]:
    rows[1]["id"], rows[1]["region"] = rows[0]["id"], rows[0]["region"]
    return rows


BREAKS = {
    # case: (mutation of clean rows, keys expected to fail, metric value of the first one)
    "null in a required column": (_set(2, id=None), {"missing_id"}, 1),
    "duplicate composite key": (_duplicate_key, {"duplicate_id_region"}, 1),
    "value outside accepted_values": (_set(0, status="lost"), {"accepted_values_status"}, 1),
    "below min": (_set(3, score=-0.5), {"min_score"}, 1),
    "above max": (_set(3, score=1.5), {"max_score"}, 1),
    "regex mismatch": (_set(4, code="abc"), {"regex_code"}, 1),
    "too long (and so no regex match)": (_set(4, code="ABCD"), {"max_length_code", "regex_code"}, 1),
    "null in a required struct field": (
        _set(5, address={"country": None, "street": "x"}),
        {"missing_address_country"},
        1,
    ),
    "struct field too long": (
        _set(5, address={"country": "DEU", "street": "x"}),
        {"max_length_address_country"},
        1,
    ),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_each_check_kind_fails_on_data_built_to_break_it(probe_spec, case):
    mutate, expected, metric_value = BREAKS[case]
    rows = mutate(copy.deepcopy(clean_probe_rows()))
    result = scan_arrow(probe_spec, table_from_rows(probe_spec, rows), now=FRESH_NOW)
    failed = {c.key for c in result.checks if c.outcome == "fail"}
    assert failed == expected, [(c.key, c.outcome, c.message) for c in result.checks if not c.passed]
    assert result.exit_code == 2 and result.outcome == "fail"
    assert not [c for c in result.checks if c.outcome in ("warn", "error")]
    first = result.check(sorted(expected)[0])
    assert first.severity == "error"
    assert first.metrics["value"] == metric_value
    assert first.message and first.message != "not evaluated"


def test_a_null_in_a_required_column_says_which_check_and_why(probe_spec):
    rows = _set(2, id=None)(clean_probe_rows())
    check = scan_arrow(probe_spec, table_from_rows(probe_spec, rows), now=FRESH_NOW).check("missing_id")
    assert check.name == "id is never null"
    assert check.message.startswith("1 null values")
    assert check.sample is not None and check.sample.total_rows == 1
    assert check.sample.rows[0][check.sample.columns.index("id")] is None


def test_empty_table_fails_row_count_unless_allow_empty(probe_spec):
    empty = table_from_rows(probe_spec, [])
    result = scan_arrow(probe_spec, empty, now=FRESH_NOW)
    assert result.check("row_count").outcome == "fail"
    assert result.check("row_count").metrics["value"] == 0
    # No timestamps at all: freshness cannot be shown, which Soda counts as a failure.
    assert result.check("freshness_updated_at").outcome == "fail"
    assert result.check("missing_id").passed

    relaxed = parse_spec(
        "name: loose\nnamespace: qa\nallow_empty: true\ncolumns:\n  - {name: id, type: long}\n", "loose.yaml"
    )
    loose = scan_arrow(relaxed, table_from_rows(relaxed, []))
    assert "row_count" not in {c.key for c in loose.checks}
    assert loose.exit_code == 0


def test_schema_check_fails_on_an_unexpected_column(probe_spec):
    data = table_from_rows(probe_spec, clean_probe_rows()).append_column("surprise", pa.array(["x"] * 8))
    check = scan_arrow(probe_spec, data, now=FRESH_NOW).check("schema")
    assert check.outcome == "fail"
    assert "unexpected columns: surprise" in check.message
    assert check.metrics["present_column_names"] == ["surprise"]


def test_schema_check_fails_on_a_wrong_type_and_a_missing_column(probe_spec):
    data = table_from_rows(probe_spec, clean_probe_rows())
    data = data.set_column(data.schema.get_field_index("id"), "id", pa.array([str(i) for i in range(8)]))
    data = data.drop_columns(["secret_note"])
    result = scan_arrow(probe_spec, data, now=FRESH_NOW)
    check = result.check("schema")
    assert check.outcome == "fail"
    assert "missing columns: secret_note" in check.message
    assert "id is varchar, expected bigint" in check.message


@pytest.mark.parametrize(
    ("age", "outcome", "exit_code"),
    [
        (dt.timedelta(hours=23), "pass", 0),
        (dt.timedelta(days=2), "warn", 1),
        (dt.timedelta(days=4), "fail", 2),
    ],
)
def test_freshness_against_a_controlled_clock(probe_spec, age, outcome, exit_code):
    result = scan_arrow(probe_spec, table_from_rows(probe_spec, clean_probe_rows()), now=LATEST_UPDATE + age)
    check = result.check("freshness_updated_at")
    assert check.outcome == outcome
    assert check.metrics["freshness_seconds"] == age.total_seconds()
    assert result.exit_code == exit_code
    assert check.severity == {"pass": None, "warn": "warn", "fail": "error"}[outcome]
    if outcome != "pass":
        assert "2024-03-01 12:00:00" in check.message and "when >" in check.message


def test_now_must_be_timezone_aware(probe_spec):
    with pytest.raises(ValueError, match="timezone-aware"):
        scan_arrow(probe_spec, table_from_rows(probe_spec, clean_probe_rows()), now=dt.datetime(2024, 1, 1))
