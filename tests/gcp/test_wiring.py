"""ICESPEC_BACKEND=gcp routes the product to BigQuery: the CLI (plan, apply, write, check, drift) and
the Dagster definitions (reconcile, table asset through the IO manager, Soda checks, drift sensor),
all against the BigQuery emulator through `icespec.tables.backend.open_lakehouse`."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context

from icespec.catalogs import Settings, SettingsError
from icespec.cli import main
from icespec.gcp.tables import BigQueryTables
from icespec.orchestration import RECONCILE_KEY, build_definitions
from icespec.spec import load_specs
from icespec.tables.backend import IcebergLakehouse, open_lakehouse
from icespec_examples.samples import sample_batch, sample_sources
from tests.gcp.conftest import PROJECT

REPO_ROOT = Path(__file__).resolve().parents[2]
_folders = itertools.count()


def emulator_env(endpoint: str) -> dict[str, str]:
    return {
        "ICESPEC_BACKEND": "gcp",
        "ICESPEC_GCP_PROJECT": PROJECT,
        "ICESPEC_BIGQUERY_ENDPOINT": endpoint,
        "ICESPEC_GCP_EMULATOR": "true",
    }


def templates(tmp_path: Path, *names: str) -> Path:
    """Copies of example templates in a dataset of their own (the emulator is shared by the session)."""
    folder = tmp_path / "templates"
    folder.mkdir()
    suffix = f"_w{next(_folders)}"
    for name in names:
        text = (REPO_ROOT / "table-templates" / f"{name}.yaml").read_text()
        namespace = next(line for line in text.splitlines() if line.startswith("namespace:"))
        (folder / f"{name}.yaml").write_text(text.replace(namespace, namespace + suffix, 1))
    return folder


@pytest.fixture()
def gcp_env(bigquery_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key, value in emulator_env(bigquery_endpoint).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", "")  # ephemeral instances only
    return Settings.from_env()


def test_settings_carry_the_gcp_variables_and_fail_closed_when_the_backend_opens() -> None:
    base = {"ICESPEC_BACKEND": "gcp", "ICESPEC_GCP_PROJECT": "p"}
    settings = Settings.from_env(
        {
            **base,
            "ICESPEC_GCP_DATASET_LOCATION": "EU",
            "ICESPEC_GCP_BIGLAKE_CONNECTION": "p.eu.icespec",
            "ICESPEC_GCP_STORAGE_URI": "gs://lake/iceberg/",
            "ICESPEC_GCP_POLICY_TAG_RESTRICTED": "projects/p/locations/eu/taxonomies/1/policyTags/2",
            "ICESPEC_GCP_POLICY_TAG_PII": "projects/p/locations/eu/taxonomies/1/policyTags/3",
        }
    )
    backend = open_lakehouse(settings)
    assert isinstance(backend, BigQueryTables)
    assert (
        backend.settings.dataset_location == "EU" and backend.settings.gcp_storage_uri == "gs://lake/iceberg"
    )
    assert backend.settings.policy_tags == {
        "restricted": "projects/p/locations/eu/taxonomies/1/policyTags/2",
        "pii": "projects/p/locations/eu/taxonomies/1/policyTags/3",
    }
    orders = next(s for s in load_specs([REPO_ROOT / "table-templates"]) if s.name == "orders")
    assert backend.location(orders) == "gs://lake/iceberg/sales/orders/"

    with pytest.raises(SettingsError) as refused:  # no policy tags, no emulator: refuse to open
        open_lakehouse(Settings.from_env(base))
    assert "ICESPEC_GCP_POLICY_TAG_PII" in str(refused.value)
    assert "ICESPEC_GCP_BIGLAKE_CONNECTION" in str(refused.value)
    with pytest.raises(SettingsError) as bad:
        Settings.from_env({**base, "ICESPEC_GCP_EMULATOR": "maybe", "ICESPEC_GCP_STORAGE_URI": "s3://x"})
    assert "ICESPEC_GCP_EMULATOR='maybe'" in str(bad.value)
    assert "ICESPEC_GCP_STORAGE_URI='s3://x' must start with gs://" in str(bad.value)
    with pytest.raises(SettingsError, match="ICESPEC_GCP_EMULATOR=true needs ICESPEC_BIGQUERY_ENDPOINT"):
        Settings.from_env({**base, "ICESPEC_GCP_EMULATOR": "true"})
    assert isinstance(
        open_lakehouse(Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": "/nonexistent"})), IcebergLakehouse
    )


def test_cli_without_policy_tags_refuses_naming_the_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICESPEC_BACKEND", "gcp")
    monkeypatch.setenv("ICESPEC_GCP_PROJECT", PROJECT)
    monkeypatch.delenv("ICESPEC_GCP_EMULATOR", raising=False)
    folder = templates(tmp_path, "orders")
    assert main(["--templates", str(folder), "plan"]) == 1
    assert "ICESPEC_GCP_POLICY_TAG_RESTRICTED is required for ICESPEC_BACKEND=gcp" in capsys.readouterr().err


def test_cli_plan_apply_write_read_check_drift_on_gcp(
    gcp_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = templates(tmp_path, "orders")
    (spec,) = load_specs([folder])
    cli = ["--templates", str(folder)]

    assert main([*cli, "plan"]) == 2
    assert f"create {PROJECT}.{spec.namespace}.orders" in capsys.readouterr().out
    assert main([*cli, "apply"]) == 0
    assert "Apply complete: 1 created, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert main([*cli, "plan"]) == 0
    assert "No changes: 1 table(s) match their templates." in capsys.readouterr().out

    batch = sample_batch(spec, rows=40)
    data = tmp_path / "orders.parquet"
    pq.write_table(batch, data)
    assert main([*cli, "write", "orders", str(data), "--mode", "append"]) == 0
    assert "append wrote 40 rows" in capsys.readouterr().out
    back = open_lakehouse(gcp_env).read(spec)
    assert back.schema == batch.schema
    assert back.sort_by("order_id").equals(batch.sort_by("order_id"))

    # A mode BigQuery cannot do on this table: the backend's reason, exit 1, nothing written.
    assert main([*cli, "write", "orders", str(data), "--mode", "overwrite_partitions"]) == 1
    error = capsys.readouterr().err
    assert "bucket[16](customer_id)" in error and "use upsert" in error
    assert open_lakehouse(gcp_env).table_metadata(spec)["row_count"] == 40

    no_extras = tmp_path / "no_extras"
    no_extras.mkdir()
    assert main([*cli, "check", "orders", "--soda-checks", str(no_extras)]) == 0
    assert "all checks passed (exit 0)" in capsys.readouterr().out
    assert main([*cli, "drift"]) == 0
    assert "Drift: 0 table(s) drifted, 0 could not be checked, 1 in sync." in capsys.readouterr().out

    # A column added behind icespec's back is drift (exit 2) and a change apply refuses (exit 1).
    from google.cloud import bigquery

    client = open_lakehouse(gcp_env).lakehouse.client
    live = client.get_table(f"{PROJECT}.{spec.namespace}.orders")
    live.schema = [*live.schema, bigquery.SchemaField("rogue", "STRING")]
    client.update_table(live, ["schema"])
    assert main([*cli, "drift"]) == 2
    assert "rogue" in capsys.readouterr().out
    assert main([*cli, "apply"]) == 1
    assert "refused with or without --allow-breaking" in capsys.readouterr().err


def test_dagster_definitions_materialize_a_table_with_its_checks_on_gcp(
    gcp_env: Settings, tmp_path: Path
) -> None:
    specs = load_specs([templates(tmp_path, "scd_type2")])
    (spec,) = specs
    key = AssetKey([spec.namespace, spec.name])
    no_extras = tmp_path / "no_extras"
    no_extras.mkdir()
    defs = build_definitions(
        specs, gcp_env, sources=sample_sources(specs), extras_dir=no_extras
    )  # assets, checks, ...
    asset_spec = next(a for a in defs.resolve_all_asset_specs() if a.key == key)
    assert asset_spec.metadata["icespec/backend"] == "gcp"
    assert asset_spec.metadata["icespec/table_location"] == f"{PROJECT}.{spec.namespace}.scd_type2"

    instance = DagsterInstance.ephemeral()
    job = defs.resolve_implicit_global_asset_job_def()
    for _ in range(2):  # the second run upserts the same keys: no duplicates
        result = job.execute_in_process(instance=instance, asset_selection=[RECONCILE_KEY, key])
        assert result.success
    materialization = next(
        e.materialization for e in result.get_asset_materialization_events() if e.asset_key == key
    )
    assert materialization.metadata["write_mode"].value == "upsert"
    assert materialization.metadata["dagster/row_count"].value == 200
    assert materialization.metadata["rows_updated"].value == 200
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [
        (e.check_name, e.metadata.get("reason")) for e in evaluations if not e.passed
    ]
    back = open_lakehouse(gcp_env).read(spec)
    expected = sample_batch(spec)
    assert back.sort_by("customer_key").equals(expected.sort_by("customer_key"))

    sensor = defs.resolve_sensor_def("table_drift_sensor")
    with build_sensor_context(resources=defs.resources, sensor_name=sensor.name) as context:
        tick = sensor(context)
    assert "1 table(s) checked: 0 drifted, 0 unreadable" in tick.skip_reason.skip_message
