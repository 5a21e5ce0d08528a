"""One broken template never takes down the others: the CLI, the Dagster code location (loaded by
`dagster definitions validate`, Dagster's own loader) and hand-written SodaCL naming a column the
table does not have."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from icespec.catalogs import Settings
from icespec.cli import main
from icespec.orchestration import RECONCILE_KEY, build_definitions
from icespec.orchestration.drift_sensor import SENSOR_NAME
from icespec.quality import build_suite, scan_arrow
from icespec.quality.extras_columns import missing_columns
from icespec.spec import load_spec, load_specs, parse_spec, validate_paths
from icespec_examples.samples import sample_batch, sample_sources

REPO = Path(__file__).resolve().parents[2]
BROKEN = "name: broken\nnamespace: sales\ncolumns:\n  - {name: id, type: lnog}\n"
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two valid templates and one whose line 4 names an unknown type."""
    templates = tmp_path / "table-templates"
    templates.mkdir()
    for name in ("orders", "event_stream"):
        shutil.copy(REPO / "table-templates" / f"{name}.yaml", templates)
    (templates / "broken.yaml").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)
    for variable in ("ICESPEC_TEMPLATES", "ICESPEC_BACKEND", "ICESPEC_CATALOG_URI", "ICESPEC_SODA_CHECKS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(tmp_path / ".lakehouse"))
    return tmp_path


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lakehouse")})


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("icespec: warning:")]


def test_validate_reports_the_broken_template(project: Path, capsys):
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert (
        f"{project / 'table-templates' / 'broken.yaml'}:4:22: error: column 'id': unknown type 'lnog'" in err
    )


def test_commands_naming_other_tables_run_with_one_line_about_the_broken_file(project: Path, capsys):
    assert main(["plan", "orders"]) == 2
    captured = capsys.readouterr()
    assert "create table sales.orders" in captured.out
    (warning,) = warnings(captured.err)
    assert "broken.yaml: line 4: column 'id': unknown type 'lnog'" in warning
    assert main(["apply", "orders", "event_stream"]) == 0
    captured = capsys.readouterr()
    assert "sales.orders: created" in captured.out and "lakehouse.event_stream: created" in captured.out
    assert len(warnings(captured.err)) == 1
    assert main(["drift", "sales.orders"]) == 0
    assert len(warnings(capsys.readouterr().err)) == 1
    assert main(["checks", "orders"]) == 0
    assert len(warnings(capsys.readouterr().err)) == 1


def test_naming_the_broken_table_or_all_tables_stops_with_every_problem(project: Path, capsys):
    assert main(["apply", "broken"]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml:4:22: error:" in err and "nothing was changed" in err
    assert main(["apply"]) == 1  # "all tables" includes the broken one: like terraform, nothing is done
    err = capsys.readouterr().err
    assert "broken.yaml:4:22: error:" in err
    assert "hint: name the tables to apply to work on the others" in err
    assert not (project / ".lakehouse").exists()
    assert main(["plan", "nope"]) == 1
    assert "no template for table(s): nope" in capsys.readouterr().err


def test_the_dagster_code_location_loads_and_shows_the_broken_template(project: Path):
    """Dagster's own loader (`dagster definitions validate`) accepts the code location."""
    env = {**os.environ, "ICESPEC_TEMPLATES": str(project / "table-templates"), "DAGSTER_HOME": str(project)}
    dagster = Path(sys.executable).parent / "dagster"
    loaded = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "icespec.definitions"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "Validation successful" in loaded.stdout + loaded.stderr


def test_the_reconcile_asset_fails_its_templates_check_naming_file_and_line(project: Path, local_settings):
    specs, broken = validate_paths([project / "table-templates"])
    defs = build_definitions(specs, local_settings, broken=broken)
    keys = {a.key for a in defs.resolve_all_asset_specs()}
    assert {AssetKey(["sales", "orders"]), AssetKey(["lakehouse", "event_stream"]), RECONCILE_KEY} <= keys
    assert AssetKey(["sales", "broken"]) not in keys
    assert [s.name for s in defs.sensors] == [SENSOR_NAME] and defs.schedules
    reconcile = next(a for a in defs.resolve_all_asset_specs() if a.key == RECONCILE_KEY)
    assert "broken.yaml:4:22: error: column 'id'" in reconcile.metadata["broken_templates"].value

    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=DagsterInstance.ephemeral(), asset_selection=[RECONCILE_KEY], run_config=QUIET
    )
    assert result.success  # not blocking: the valid tables still get their run
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "templates_are_valid" and not evaluation.passed
    assert "broken.yaml" in evaluation.description
    assert "broken.yaml:4:22" in evaluation.metadata["broken_templates"].value


def test_with_every_template_valid_the_templates_check_passes(local_settings):
    defs = build_definitions(load_specs([REPO / "table-templates"]), local_settings)
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=DagsterInstance.ephemeral(), asset_selection=[RECONCILE_KEY], run_config=QUIET
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed


# -- hand-written SodaCL naming columns -------------------------------------------------------


ORDERS = load_spec(REPO / "table-templates" / "orders.yaml")


def renamed_orders(tmp_path: Path) -> Path:
    """orders with `amount` renamed to `total` (renamed_from: amount)."""
    text = (REPO / "table-templates" / "orders.yaml").read_text()
    assert "  - name: amount\n" in text
    path = tmp_path / "table-templates" / "orders.yaml"
    path.write_text(text.replace("  - name: amount\n", "  - name: total\n    renamed_from: amount\n"))
    return path


def test_validate_names_a_check_on_a_renamed_column_and_the_rename(project: Path, capsys):
    template = renamed_orders(project)
    (project / "table-templates" / "broken.yaml").unlink()
    extras = project / "quality" / "soda_checks"
    extras.mkdir(parents=True)
    (extras / "orders.yaml").write_text(
        "checks for orders:\n"
        "  - row_count > 0:\n"
        "      name: has rows\n"
        "  - max(amount):\n"
        "      name: no huge order\n"
        "      fail: when > 100\n"
    )
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    line = next(i for i, t in enumerate(template.read_text().splitlines(), 1) if "renamed_from: amount" in t)
    assert (
        f"{extras / 'orders.yaml'}:4:1: error: column 'amount' is not in table sales.orders: the column was "
        f"renamed to 'total' (renamed_from ({template}:{line})): use 'total' in the check"
    ) in err


def test_a_check_naming_a_missing_column_leaves_the_other_checks_running(tmp_path: Path):
    extras = tmp_path / "soda"
    extras.mkdir()
    (extras / "orders.yaml").write_text(
        "checks for orders:\n  - failed rows:\n      name: cond\n      fail condition: discont < 0\n"
    )
    spec = ORDERS
    data = sample_batch(spec, None)
    result = scan_arrow(spec, data, extras_dir=extras)
    broken = result.check("extra_cond")
    assert broken.outcome == "error"
    assert (
        "orders.yaml:2: column 'discont' is not in table sales.orders: did you mean 'discount'?"
        in broken.message
    )
    others = [c for c in result.checks if c.key != "extra_cond"]
    assert others and all(c.outcome == "pass" for c in others), [(c.key, c.message) for c in others]
    assert result.exit_code == 3  # an error, as when Soda cannot evaluate a check
    assert "# Left out:" in build_suite(spec, extras_dir=extras).to_sodacl()


SPEC = parse_spec(
    "name: t\nnamespace: n\ncolumns:\n"
    "  - {name: id, type: long, required: true}\n"
    "  - {name: amount, type: double}\n"
    "  - name: address\n    type: struct\n    fields:\n      - {name: city, type: string}\n",
    "t.yaml",
)


@pytest.mark.parametrize(
    ("entry", "missing"),
    [
        ("max(amount) > 0", None),
        ("max(amont) > 0", "amont"),
        ("duplicate_count(id, amount) = 0", None),
        ("duplicate_count(id, amunt) = 0", "amunt"),
        ("percentile(amount, 0.95) < 10", None),
        ("row_count > 0", None),
        ("values in (idd) must exist in other_table (other_id)", "idd"),
        ("values in (id) must exist in other_table (other_id)", None),
        ({"failed rows": {"fail condition": "address.city = 'x' and amount < 0"}}, None),
        ({"failed rows": {"fail condition": "adress.city = 'x'"}}, "adress"),
        ({"failed rows": {"fail query": "select * from t where amout < 0"}}, "amout"),
        ({"failed rows": {"fail query": "select * from t join other using (id)"}}, None),  # another table
        ({"missing_count(amount) = 0": {"filter": "idd > 3"}}, "idd"),
        ({"avg_x < 3": {"avg_x expression": "avg(amount * idx)"}}, "idx"),
        ({"failed rows": {"fail condition": "athena_only_function(amount) > 0"}}, None),
    ],
)
def test_column_references_are_bound_by_duckdb(entry, missing):
    (problem,) = missing_columns(SPEC, [entry])
    if missing is None:
        assert problem is None
    else:
        assert problem is not None and f"column '{missing}' is not in table n.t" in problem


def test_the_shipped_extras_bind():
    suite = build_suite(ORDERS, extras_dir=REPO / "quality" / "soda_checks")
    assert [c for c in suite.checks if c.source != "template"]
    assert not [c.problem for c in suite.checks if c.problem]


def test_binding_never_runs_the_hand_written_sql(tmp_path: Path):
    """Only one SELECT is ever bound, on a connection without file access: a COPY in a check does nothing."""
    target = tmp_path / "written.csv"
    entries = [
        {"failed rows": {"fail query": f"SELECT * FROM t WHERE amount < 0; COPY (SELECT 42) TO '{target}'"}},
        {"failed rows": {"fail condition": f"amount < 0) ; COPY (SELECT 42) TO '{target}'; SELECT (1"}},
        {"failed rows": {"fail query": f"COPY (SELECT 42) TO '{target}'"}},
    ]
    assert missing_columns(SPEC, entries) == [None, None, None]
    assert not target.exists()


@pytest.mark.parametrize(
    "entry",
    [
        {"freshness(amount, NOW) < 1d": {}},  # Soda's NOW variable, which icespec sets
        {"failed rows": {"fail condition": "DATE_TRUNC(amount, MONTH) > 0"}},  # BigQuery date parts
        {"failed rows": {"fail condition": "n.t.id > 0"}},  # qualified by namespace and table
        {"failed rows": {"fail condition": "t.id > 0"}},
    ],
)
def test_valid_sodacl_is_not_reported(entry):
    assert missing_columns(SPEC, [entry]) == [None]


def test_a_non_utf8_extras_file_is_a_problem_of_that_file_not_a_crash(project: Path, local_settings, capsys):
    (project / "table-templates" / "broken.yaml").unlink()
    extras = project / "quality" / "soda_checks"
    extras.mkdir(parents=True)
    (extras / "orders.yaml").write_bytes(b"checks for orders:\n  - row_count > 0:\n      name: caf\xe9\n")
    assert main(["validate"]) == 1
    assert "orders.yaml: error: not UTF-8 text" in capsys.readouterr().err
    specs, broken = validate_paths([project / "table-templates"])
    assert not broken
    defs = build_definitions(specs, local_settings, sources=sample_sources(specs), extras_dir=extras)
    reconcile = next(a for a in defs.resolve_all_asset_specs() if a.key == RECONCILE_KEY)
    assert "not UTF-8 text" in reconcile.metadata["hand_written_check_problems"].value
    assert reconcile.metadata["broken_templates"].value == "none"  # an extras file is not a broken template


def test_a_check_naming_a_missing_column_shows_on_the_reconcile_asset(tmp_path: Path, local_settings):
    extras = tmp_path / "soda"
    extras.mkdir()
    (extras / "orders.yaml").write_text("checks for orders:\n  - max(amont) < 5:\n      name: typo\n")
    defs = build_definitions([ORDERS], local_settings, sources=sample_sources([ORDERS]), extras_dir=extras)
    reconcile = next(a for a in defs.resolve_all_asset_specs() if a.key == RECONCILE_KEY)
    assert "orders.yaml:2:1: error: column 'amont'" in reconcile.metadata["hand_written_check_problems"].value
