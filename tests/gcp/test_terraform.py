"""terraform/gcp without the google provider: fmt, provider-schema argument names, structure,
a provider-free evaluation proving every restricted/pii leaf of every template gets its policy
tag, checkov, and the rendered schemas being current."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from icespec.gcp import render
from icespec.gcp.schema import table_document, walk_fields
from icespec.spec import load_spec
from tests.gcp.test_schema import TEMPLATES, expected_tags
from tests.terraform.tfrun import Terraform

REPO_ROOT = Path(__file__).resolve().parents[2]
GCP_ROOT = REPO_ROOT / "terraform" / "gcp"
MODULES = REPO_ROOT / "terraform" / "modules"
SCHEMA_PACKAGE = (
    Path(os.environ.get("ICESPEC_GCP_PROVIDER_SCHEMA", REPO_ROOT / ".venv-gcp-provider-schema"))
    / "cdktf_cdktf_provider_google"
)
META_ARGUMENTS = {"count", "for_each", "depends_on", "lifecycle", "provider", "__comments__", "__is_block__"}
FAKE_TAGS = {
    "restricted": "projects/p/locations/us/taxonomies/1/policyTags/11",
    "pii": "projects/p/locations/us/taxonomies/1/policyTags/22",
}


def _unquote(text: str) -> str:
    return text.strip('"')


@pytest.fixture(scope="module")
def hcl() -> dict[str, list]:
    merged: dict[str, list] = {}
    for path in sorted(GCP_ROOT.glob("*.tf")):
        for key, value in hcl2.load(path.open()).items():
            merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return merged


def blocks(hcl: dict[str, list], kind: str) -> list[tuple[str, str, dict]]:
    """(type, name, body) of every resource or data block."""
    return [
        (_unquote(rtype), _unquote(name), body)
        for entry in hcl.get(kind, [])
        for rtype, named in entry.items()
        for name, body in named.items()
    ]


def is_block(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
    )


# --- provider schema ---------------------------------------------------------------------------
def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _provider_classes(module: str) -> dict[str, set[str]]:
    """Class name → keyword arguments of its __init__, read (not imported) from the cdktf package."""
    source = SCHEMA_PACKAGE / module / "__init__.py"
    if not source.exists():
        pytest.fail(f"no provider schema for {module} at {source}: run `make gcp-provider-schema`")
    tree = ast.parse(source.read_text())
    classes: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args
                    classes[node.name] = {a.arg for a in args.args + args.kwonlyargs} - {
                        "self",
                        "scope",
                        "id_",
                    }
    return classes


def _check_body(body: dict, class_name: str, classes: dict[str, set[str]], where: str) -> list[str]:
    """Problems of one block; nested block classes are named <Resource><Block>... (no "Config")."""
    prefix = class_name.removesuffix("Config")
    if class_name not in classes:
        return [f"{where}: block has no provider schema type {class_name}"]
    allowed, problems = classes[class_name], []
    for key, value in body.items():
        if key in META_ARGUMENTS:
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, spec in dynamic.items():
                    for content in spec.get("content", []):
                        problems += _check_body(
                            content, prefix + _camel(_unquote(name)), classes, f"{where}.{_unquote(name)}"
                        )
            continue
        if key not in allowed:
            problems.append(f"{where}: argument '{key}' is not in the google provider schema ({class_name})")
        elif is_block(value):
            for nested in value:
                problems += _check_body(nested, prefix + _camel(key), classes, f"{where}.{key}")
    return problems


@pytest.mark.parametrize("kind", ["resource", "data"])
def test_every_argument_and_block_exists_in_the_google_provider_schema(
    hcl: dict[str, list], kind: str
) -> None:
    problems, checked = [], 0
    for rtype, name, body in blocks(hcl, kind):
        assert rtype.startswith("google_"), f"{rtype}.{name}: terraform/gcp uses the google provider only"
        module = rtype.removeprefix("google_")
        module = f"data_google_{module}" if kind == "data" else module
        class_prefix = ("DataGoogle" if kind == "data" else "") + _camel(rtype.removeprefix("google_"))
        problems += _check_body(body, class_prefix + "Config", _provider_classes(module), f"{rtype}.{name}")
        checked += 1
    assert checked >= (10 if kind == "resource" else 2)
    assert problems == []


def test_the_schema_check_catches_a_wrong_argument() -> None:
    classes = _provider_classes("bigquery_table")
    body = {"dataset_id": "x", "biglake_configuration": [{"connection": "c", "__is_block__": True}]}
    assert _check_body(body, "BigqueryTableConfig", classes, "t") == [
        "t.biglake_configuration: argument 'connection' is not in the google provider schema "
        "(BigqueryTableBiglakeConfiguration)"
    ]


# --- structure ---------------------------------------------------------------------------------
def test_buckets_are_never_public(hcl: dict[str, list]) -> None:
    buckets = [b for b in blocks(hcl, "resource") if b[0] == "google_storage_bucket"]
    assert len(buckets) == 2
    for _, name, body in buckets:
        assert body["uniform_bucket_level_access"] is True, name
        assert _unquote(body["public_access_prevention"]) == "enforced", name
        assert body["versioning"][0]["enabled"] is True, name
        assert body["lifecycle_rule"], name
    text = "\n".join(p.read_text() for p in GCP_ROOT.glob("*.tf"))
    assert "allUsers" not in text and "allAuthenticatedUsers" not in text
    lakehouse = next(body for _, name, body in buckets if name == "lakehouse")
    assert "encryption" in str(lakehouse["dynamic"]) and lakehouse["logging"]


def test_only_writer_and_admin_hold_fine_grained_reader(hcl: dict[str, list]) -> None:
    granting = [
        (rtype, name, body) for rtype, name, body in blocks(hcl, "resource")
        if "categoryFineGrainedReader" in json.dumps(body) or rtype.startswith("google_data_catalog_policy_tag_iam")
    ]  # fmt: skip
    assert [(r, n) for r, n, _ in granting] == [
        ("google_data_catalog_policy_tag_iam_member", "fine_grained_reader")
    ]
    body = granting[0][2]
    assert body["for_each"] == "${local.fine_grained_readers}"
    assert body["member"] == '"serviceAccount:${google_service_account.role[each.value.role_account].email}"'
    locals_ = {k: v for entry in hcl["locals"] for k, v in entry.items()}
    accounts = re.search(r"setproduct\(\[([^\]]*)\]", locals_["fine_grained_readers"]).group(1)
    assert sorted(_unquote(a.strip()) for a in accounts.split(",")) == ["admin", "writer"]
    assert not [b for b in blocks(hcl, "resource") if b[0] in ("google_project_iam_member", "google_project_iam_binding")
                and "datacatalog" in json.dumps(b[2])]  # fmt: skip


def test_tables_take_their_schema_and_tags_from_the_schema_module(hcl: dict[str, list]) -> None:
    (table,) = [body for rtype, _, body in blocks(hcl, "resource") if rtype == "google_bigquery_table"]
    assert table["for_each"] == "${local.tables}"
    assert table["schema"] == "${module.table_schemas.schemas[each.key]}"
    assert _unquote(table["biglake_configuration"][0]["table_format"]) == "ICEBERG"
    assert table["deletion_protection"] == "${var.deletion_protection}"
    modules = {k: v for entry in hcl["module"] for k, v in entry.items()}
    assert _unquote(modules['"table_spec"']["source"]) == "../modules/table_spec"
    assert modules['"table_schemas"']["tables"] == "${module.table_spec.tables}"
    taxonomy = next(
        body for rtype, _, body in blocks(hcl, "resource") if rtype == "google_data_catalog_taxonomy"
    )
    assert taxonomy["activated_policy_types"] == ['"FINE_GRAINED_ACCESS_CONTROL"'] or taxonomy[
        "activated_policy_types"
    ] == ["FINE_GRAINED_ACCESS_CONTROL"]


def test_every_variable_has_a_description_and_a_type(hcl: dict[str, list]) -> None:
    for entry in hcl["variable"]:
        for name, body in entry.items():
            assert body.get("description") and body.get("type"), name


# --- provider-free evaluation: the proof for every template -----------------------------------
@pytest.fixture(scope="module")
def evaluated_schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """table_spec + gcp_table_schemas applied with no provider, on examples and the valid corpus."""
    work = tmp_path_factory.mktemp("gcp-schemas")
    templates = work / "templates"
    templates.mkdir()
    for path in TEMPLATES:
        shutil.copy(path, templates / f"{path.stem}.yaml")
    rendered = {"tables": {p.stem: table_document(load_spec(p)) for p in TEMPLATES}}
    (work / "rendered.json").write_text(json.dumps(rendered))
    root = work / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        f'module "table_spec" {{\n  source = "{MODULES / "table_spec"}"\n  templates_dir = "{templates}"\n}}\n'
        f'module "schemas" {{\n  source = "{MODULES / "gcp_table_schemas"}"\n'
        f"  tables = module.table_spec.tables\n"
        f'  rendered = jsondecode(file("{work / "rendered.json"}")).tables\n'
        f"  policy_tag_names = {json.dumps(FAKE_TAGS).replace(':', ' =')}\n}}\n"
        'output "schemas" {\n  value = module.schemas.schemas\n}\n'
    )
    terraform = Terraform(root, work / "scratch")
    terraform.init(with_providers=False)
    terraform.run("apply", "-auto-approve", "-input=false")
    return {stem: json.loads(text) for stem, text in terraform.outputs()["schemas"].items()}


@pytest.mark.terraform
@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_terraform_attaches_the_policy_tag_to_every_restricted_or_pii_leaf(
    path: Path, evaluated_schemas: dict[str, dict]
) -> None:
    spec = load_spec(path)
    fields = dict(walk_fields(evaluated_schemas[path.stem]))
    for node, tag in expected_tags(spec.columns).items():
        leaves = [
            f for p, f in fields.items() if (p == node or p.startswith(node + ".")) and f["type"] != "RECORD"
        ]
        assert leaves
        for leaf in leaves:
            assert leaf.get("policyTags") == ({"names": [FAKE_TAGS[tag]]} if tag else None), (node, leaf)


@pytest.mark.terraform
def test_terraform_refuses_a_stale_rendering(tmp_path: Path) -> None:
    template = REPO_ROOT / "table-templates" / "orders.yaml"
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(template, templates / "orders.yaml")
    stale = table_document(load_spec(template))
    stale["columns"] = stale["columns"][:-1]  # as if a column was added after rendering
    (tmp_path / "rendered.json").write_text(json.dumps({"tables": {"orders": stale}}))
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        f'module "table_spec" {{\n  source = "{MODULES / "table_spec"}"\n  templates_dir = "{templates}"\n}}\n'
        f'module "schemas" {{\n  source = "{MODULES / "gcp_table_schemas"}"\n  tables = module.table_spec.tables\n'
        f'  rendered = jsondecode(file("{tmp_path / "rendered.json"}")).tables\n'
        f"  policy_tag_names = {json.dumps(FAKE_TAGS).replace(':', ' =')}\n}}\n"
        'output "schemas" {\n  value = module.schemas.schemas\n}\n'
    )
    terraform = Terraform(root, tmp_path / "scratch")
    terraform.init(with_providers=False)
    result = terraform.run("apply", "-auto-approve", "-input=false", check=False)
    assert result.returncode != 0
    assert "does not match the templates for: orders" in result.stderr.replace("\n", " ").replace("│ ", "")


def test_rendered_schemas_are_current() -> None:
    assert render.main(["--check"]) == 0, "terraform/gcp/table_schemas.json is stale: run `make gcp-schemas`"


# --- fmt and checkov ---------------------------------------------------------------------------
def test_terraform_fmt() -> None:
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(GCP_ROOT), str(MODULES / "gcp_table_schemas")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_has_no_failed_checks() -> None:
    checkov = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
    if not checkov.exists():
        pytest.fail("no checkov: run `make checkov-venv` (make test does)")
    result = subprocess.run(
        [str(checkov), "-d", str(GCP_ROOT), "--framework", "terraform", "--compact", "--skip-download", "-o", "json"],
        capture_output=True, text=True, env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
        timeout=300,
    )  # fmt: skip
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    summary = reports[0]["summary"]
    failed = [(c["check_id"], c["resource"]) for r in reports for c in r["results"]["failed_checks"]]
    assert failed == [] and summary["failed"] == 0
    assert summary["passed"] >= 20
    skipped = [c for r in reports for c in r["results"].get("skipped_checks", [])]
    assert {c["check_id"] for c in skipped} == {"CKV_GCP_62", "CKV_GCP_80"}
    assert all(c["check_result"].get("suppress_comment") for c in skipped)  # every skip says why
