"""`icespec config from-terraform`: terraform outputs → ICESPEC_* env file, or a clear error and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from icespec.catalogs.settings import Settings

GLUE_OUTPUTS = {
    "catalog_type": {"sensitive": False, "type": "string", "value": "glue"},
    "region": {"sensitive": False, "type": "string", "value": "eu-west-1"},
    "warehouse_uri": {"sensitive": False, "type": "string", "value": "s3://lake-prod/warehouse"},
    "athena_workgroup": {"sensitive": False, "type": "string", "value": "icespec-prod"},
    "athena_results_s3": {"sensitive": False, "type": "string", "value": "s3://lake-prod-athena/results/"},
    "sns_topic_arn": {
        "sensitive": False,
        "type": "string",
        "value": "arn:aws:sns:eu-west-1:123456789012:icespec-prod-alerts",
    },
    "catalog_uri": {"sensitive": False, "type": "string", "value": None},
}
NESSIE_OUTPUTS = {
    "catalog_type": {"value": "nessie"},
    "region": {"value": "eu-west-1"},
    "catalog_uri": {"value": "https://nessie.example.com/iceberg"},
    "nessie_branch": {"value": "main"},
    "nessie_warehouse": {"value": "warehouse"},
    "trino_catalog": {"value": "iceberg"},
    "sns_topic_arn": {"value": "arn:aws:sns:eu-west-1:123456789012:icespec-prod-alerts"},
}


def _run(
    tmp_path: Path, outputs: object, *extra: str, raw: str | None = None
) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "outputs.json"
    source.write_text(raw if raw is not None else json.dumps(outputs))
    return subprocess.run(
        [sys.executable, "-m", "icespec", "config", "from-terraform", "--input", str(source), *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def _read_env(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )


def test_glue_outputs_become_settings_the_pipelines_accept(tmp_path: Path) -> None:
    target = tmp_path / "config" / "aws.env"
    result = _run(tmp_path, GLUE_OUTPUTS, "--output", str(target))
    assert result.returncode == 0, result.stderr
    env = _read_env(target)
    assert env == {
        "ICESPEC_BACKEND": "aws-glue",
        "ICESPEC_AWS_REGION": "eu-west-1",
        "ICESPEC_SNS_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:icespec-prod-alerts",
        "ICESPEC_WAREHOUSE": "s3://lake-prod/warehouse",
        "ICESPEC_ATHENA_WORKGROUP": "icespec-prod",
        "ICESPEC_ATHENA_RESULTS_S3": "s3://lake-prod-athena/results/",
    }
    settings = Settings.from_env(env)
    assert (settings.backend, settings.warehouse, settings.athena_workgroup) == (
        "aws-glue",
        "s3://lake-prod/warehouse",
        "icespec-prod",
    )


def test_nessie_outputs_to_stdout_with_an_emulator_endpoint(tmp_path: Path) -> None:
    result = _run(tmp_path, NESSIE_OUTPUTS, "--aws-endpoint-url", "http://127.0.0.1:5000")
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if not line.startswith("#"))
    settings = Settings.from_env(env)
    assert settings.backend == "aws-nessie"
    assert settings.nessie_uri == "https://nessie.example.com/iceberg"
    assert (settings.nessie_branch, settings.warehouse, settings.trino_catalog) == (
        "main",
        "warehouse",
        "iceberg",
    )
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"


def test_missing_outputs_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "aws.env"
    broken = {k: v for k, v in GLUE_OUTPUTS.items() if k not in ("warehouse_uri", "athena_workgroup")}
    result = _run(tmp_path, broken, "--output", str(target))
    assert result.returncode == 1
    assert "athena_workgroup, warehouse_uri" in result.stderr
    assert not target.exists() and list(tmp_path.glob(".aws.env*")) == []


def test_not_json_and_wrong_stack_are_clear_errors(tmp_path: Path) -> None:
    result = _run(tmp_path, None, raw="Error: no outputs\n")
    assert (
        result.returncode == 1
        and "is not JSON" in result.stderr
        and "terraform output -json" in result.stderr
    )
    result = _run(tmp_path, {"project": {"value": "x"}})
    assert result.returncode == 1 and "catalog_type" in result.stderr


def test_invalid_values_are_refused_by_the_settings_rules(tmp_path: Path) -> None:
    bad = {**GLUE_OUTPUTS, "warehouse_uri": {"value": "/local/path"}}
    result = _run(tmp_path, bad, "--output", str(tmp_path / "aws.env"))
    assert result.returncode == 1 and "ICESPEC_WAREHOUSE" in result.stderr
    assert not (tmp_path / "aws.env").exists()
