"""Soda checks as blocking Dagster asset checks on the table's own asset (`check_specs`), run in the
same step as the write, over the snapshot that write committed, into a local Iceberg table: pass lets
downstream run; a Soda fail is an ERROR that blocks downstream; a Soda warning is a WARN that neither
fails the run nor blocks."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance, asset, materialize

from icespec.catalogs import Settings
from icespec.orchestration import build_definitions
from icespec.spec import parse_spec
from tests.quality.quality_data import (
    FRESH_NOW,
    LATEST_UPDATE,
    PROBE_TEMPLATE,
    clean_probe_rows,
    table_from_rows,
)

SPEC = parse_spec(PROBE_TEMPLATE, "probe.yaml")
KEY = AssetKey(["qa", "probe"])
BATCH: dict[str, list[dict]] = {}  # what the probe asset writes in the current run
CLOCK: dict[str, dt.datetime] = {"now": FRESH_NOW}


@asset(deps=[KEY])
def downstream_report() -> int:
    return 1


@pytest.fixture(scope="module")
def run_with(tmp_path_factory):
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path_factory.mktemp("lakehouse"))})
    defs = build_definitions(
        [SPEC],
        settings,
        sources={SPEC.full_name: lambda spec, _partition: table_from_rows(spec, BATCH["rows"])},
        extras_dir=tmp_path_factory.mktemp("no_extras"),
        clock=lambda: CLOCK["now"],
    )
    instance = DagsterInstance.ephemeral()

    def run(rows: list[dict], now: dt.datetime = FRESH_NOW):
        BATCH["rows"], CLOCK["now"] = rows, now
        result = materialize(
            [*defs.assets, downstream_report],
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
        )
        evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
        materialized = {e.asset_key for e in result.get_asset_materialization_events()}
        return result, evaluations, materialized

    return run


def test_clean_data_passes_every_check_and_downstream_runs(run_with):
    result, evaluations, materialized = run_with(clean_probe_rows())
    assert result.success
    assert len(evaluations) == 16 and all(
        e.passed for e in evaluations.values()
    )  # 15 Soda + templates_are_valid
    assert AssetKey("downstream_report") in materialized
    rows = evaluations["soda_row_count"].metadata
    assert rows["metric/value"].value == 8
    assert rows["soda_outcome"].value == "pass"


def test_a_soda_fail_is_an_error_that_blocks_downstream_and_says_why(run_with):
    rows = copy.deepcopy(clean_probe_rows())
    rows[0]["status"] = "lost"
    result, evaluations, materialized = run_with(rows)
    failed = {name: e for name, e in evaluations.items() if not e.passed}
    assert set(failed) == {"soda_accepted_values_status"}
    evaluation = failed["soda_accepted_values_status"]
    assert evaluation.severity == AssetCheckSeverity.ERROR
    assert evaluation.description.startswith("status is one of new, done: 1 rows violating the rule")
    assert evaluation.metadata["metric/value"].value == 1
    sample = evaluation.metadata["failed_rows_sample"].value
    assert "email" not in sample["columns"] and "status" in sample["columns"]
    assert KEY in materialized
    assert AssetKey("downstream_report") not in materialized
    assert not result.success


def test_a_soda_warning_is_a_warn_that_neither_fails_the_run_nor_blocks(run_with):
    result, evaluations, materialized = run_with(clean_probe_rows(), now=LATEST_UPDATE + dt.timedelta(days=2))
    freshness = evaluations["soda_freshness_updated_at"]
    assert not freshness.passed and freshness.severity == AssetCheckSeverity.WARN
    assert freshness.metadata["metric/freshness_seconds"].value == 2 * 86400
    assert [name for name, e in evaluations.items() if not e.passed] == ["soda_freshness_updated_at"]
    assert AssetKey("downstream_report") in materialized
    assert result.success
