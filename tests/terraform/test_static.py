"""Static checks of the AWS Terraform: fmt, module layout, validate, `terraform test`, checkov."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import hcl2
import pytest

from tests.terraform.tfrun import REPO_ROOT, TERRAFORM_DIR, Terraform

pytestmark = pytest.mark.terraform

# This modules (terraform/gcp and GCP-only modules belong to the GCP work).
AWS_MODULES = [
    "athena",
    "glue_catalog",
    "glue_table_optimizers",
    "lake_formation",
    "nessie",
    "networking",
    "storage",
    "table_spec",
    "trino_access",
]
OWNED_DIRS = [TERRAFORM_DIR / "aws", *(TERRAFORM_DIR / "modules" / m for m in AWS_MODULES)]
TFVARS = sorted((TERRAFORM_DIR / "aws").glob("examples/*.tfvars")) + sorted(
    (TERRAFORM_DIR / "aws").glob("environments/*.tfvars")
)
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


def test_fmt_is_clean() -> None:
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", *map(str, OWNED_DIRS)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )
    assert result.returncode == 0, f"run `make fmt`; unformatted:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("module", AWS_MODULES)
def test_module_layout(module: str) -> None:
    folder = TERRAFORM_DIR / "modules" / module
    for name in (
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "main.tf",
        "README.md",
        "examples/basic/main.tf",
    ):
        assert (folder / name).is_file(), f"terraform/modules/{module}/{name} is missing"
    variables = hcl2.loads((folder / "variables.tf").read_text())["variable"]
    undocumented = [
        name for block in variables for name, body in block.items() if not body.get("description")
    ]
    assert not undocumented, f"{module}: variables without a description: {undocumented}"
    validated = [name for block in variables for name, body in block.items() if body.get("validation")]
    assert validated, f"{module}: no variable validates its input"
    outputs = hcl2.loads((folder / "outputs.tf").read_text())["output"]
    assert all(body.get("description") for block in outputs for body in block.values()), (
        f"{module}: output without description"
    )


VALIDATE_DIRS = ["aws", *(f"modules/{m}/examples/basic" for m in AWS_MODULES)]


@pytest.mark.parametrize("relative", VALIDATE_DIRS)
def test_validate(relative: str, terraform_copy: Path, tmp_path: Path) -> None:
    terraform = Terraform(terraform_copy / relative, tmp_path)
    terraform.init(with_providers="table_spec" not in relative and "trino_access" not in relative)
    terraform.run("validate")


def test_table_spec_module_tests(terraform_copy: Path, tmp_path: Path) -> None:
    terraform = Terraform(terraform_copy / "modules" / "table_spec", tmp_path)
    terraform.init(with_providers=False)
    result = terraform.run("test")
    assert "0 failed" in result.stdout and " passed" in result.stdout, result.stdout


def test_aws_root_tests_with_mocked_provider(terraform_copy: Path, tmp_path: Path) -> None:
    """Both catalog types; reader never reaches a restricted column; an access_level change changes the plan."""
    terraform = Terraform(terraform_copy / "aws", tmp_path)
    terraform.init()
    result = terraform.run("test", "-junit-xml=" + str(tmp_path / "junit.xml"))
    assert "0 failed" in result.stdout, result.stdout
    junit = (tmp_path / "junit.xml").read_text()
    for run in ("glue_catalog", "nessie_catalog", "access_level_change_changes_the_plan"):
        assert f'name="{run}"' in junit, f"run {run} did not execute"


@pytest.mark.parametrize("tfvars", TFVARS, ids=[f"{p.parent.name}/{p.name}" for p in TFVARS])
def test_example_tfvars_plan(tfvars: Path, terraform_copy: Path, tmp_path: Path) -> None:
    terraform = Terraform(terraform_copy / "aws", tmp_path)
    terraform.init()
    relative = tfvars.relative_to(TERRAFORM_DIR / "aws")
    result = terraform.run("test", "-test-directory=tests/examples", f"-var-file={relative}")
    assert "1 passed, 0 failed" in result.stdout, result.stdout


def _json_documents(text: str) -> list[dict]:
    """checkov prints one JSON document per scanned folder (a list or an object each)."""
    decoder, position, found = json.JSONDecoder(), 0, []
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        value, position = decoder.raw_decode(text, position)
        found.extend(value if isinstance(value, list) else [value])
    return found


def test_checkov_reports_no_failed_checks() -> None:
    if not CHECKOV.is_file():
        pytest.fail("checkov is not installed: run `make checkov-venv` (make test does)")
    result = subprocess.run(
        [
            str(CHECKOV),
            *(arg for d in OWNED_DIRS for arg in ("-d", str(d))),
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
        timeout=600,
    )
    reports = _json_documents(result.stdout)
    assert reports, f"checkov printed no report (exit {result.returncode}):\n{result.stderr[-3000:]}"
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for report in reports
        for check in report.get("results", {}).get("failed_checks", [])
    ]
    parsing_errors = [e for report in reports for e in report.get("results", {}).get("parsing_errors", [])]
    passed = sum(report.get("summary", {}).get("passed", 0) for report in reports)
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert not parsing_errors, f"checkov could not parse: {parsing_errors}"
    assert passed > 100, f"checkov ran only {passed} checks: did it scan the modules?"
