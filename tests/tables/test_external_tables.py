"""Without a source a table is an external asset: reconciled and watched, never written by Dagster.

The packaged code location (`icespec.definitions`) passes no sources, so deploying it against real
tables can never write sample or empty rows into them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from icespec.catalogs import Settings, open_catalog
from icespec.orchestration import PARTITIONED_JOB, RECONCILE_KEY, UNPARTITIONED_JOB, build_definitions
from icespec.spec import load_specs
from icespec_examples.samples import sample_source

REPO = Path(__file__).resolve().parents[2]
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def test_tables_without_a_source_are_created_but_never_written(tmp_path: Path):
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh")})
    specs = load_specs([REPO / "table-templates"])
    orders = next(s for s in specs if s.full_name == "sales.orders")
    defs = build_definitions(specs, settings, sources={orders.full_name: sample_source})

    specs_by_key = {a.key: a for a in defs.resolve_all_asset_specs()}
    assert {AssetKey([s.namespace, s.name]) for s in specs} <= set(specs_by_key)
    job = defs.resolve_job_def(UNPARTITIONED_JOB)
    assert set(job.asset_layer.executable_asset_keys) == {RECONCILE_KEY, AssetKey(["sales", "orders"])}
    others = [s for s in specs if s is not orders]
    for spec in others:
        assert specs_by_key[AssetKey([spec.namespace, spec.name])].metadata["icespec/written_by"]
    assert not any(d.name == PARTITIONED_JOB for d in defs.jobs or ())  # no day-partitioned table is written

    assert job.execute_in_process(instance=DagsterInstance.ephemeral(), run_config=QUIET).success
    catalog = open_catalog(settings)
    assert catalog.load_table(orders.identifier).scan().to_arrow().num_rows > 0
    for spec in others:  # reconciled: created from the template, and left empty
        assert catalog.load_table(spec.identifier).scan().to_arrow().num_rows == 0


def test_a_source_for_a_table_without_a_template_is_refused(tmp_path: Path):
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh")})
    specs = load_specs([REPO / "table-templates"])
    with pytest.raises(ValueError, match=r"sales\.ordrs"):
        build_definitions(specs, settings, sources={"sales.ordrs": sample_source})
