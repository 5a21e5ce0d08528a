"""terraform/gcp without the google provider: fmt, provider-schema argument names, structure (who
owns the tables, what each account may do, with the Google documentation each grant follows) and
checkov."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from pathlib import Path

import hcl2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GCP_ROOT = REPO_ROOT / "terraform" / "gcp"
MODULES = REPO_ROOT / "terraform" / "modules"
SCHEMA_PACKAGE = (
    Path(os.environ.get("ICESPEC_GCP_PROVIDER_SCHEMA", REPO_ROOT / ".venv-gcp-provider-schema"))
    / "cdktf_cdktf_provider_google"
)
META_ARGUMENTS = {"count", "for_each", "depends_on", "lifecycle", "provider", "__comments__", "__is_block__"}


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


def _resources(hcl: dict[str, list], rtype: str) -> dict[str, dict]:
    return {name: body for t, name, body in blocks(hcl, "resource") if t == rtype}


def test_icespec_owns_the_tables(hcl: dict[str, list]) -> None:
    """One owner per object (docs/ownership.md): `icespec apply` creates and evolves the tables;
    tables an earlier version created are forgotten by Terraform, never destroyed."""
    assert not _resources(hcl, "google_bigquery_table")
    (removed,) = hcl["removed"]
    assert "google_bigquery_table.iceberg" in str(removed["from"])
    assert removed["lifecycle"][0]["destroy"] is False
    taxonomy = next(iter(_resources(hcl, "google_data_catalog_taxonomy").values()))
    assert [_unquote(t) for t in taxonomy["activated_policy_types"]] == ["FINE_GRAINED_ACCESS_CONTROL"]


def test_every_account_may_use_the_connection_and_the_admin_may_create_tables_on_it(
    hcl: dict[str, list],
) -> None:
    """BigQuery docs, "Query Iceberg data": every caller needs BigQuery Connection User on the
    connection; "Create BigLake Iceberg tables": the creator delegates the connection
    (bigquery.connections.delegate), which a custom role grants without Connection Admin's
    setIamPolicy, update and delete."""
    grants = _resources(hcl, "google_bigquery_connection_iam_member")
    user = grants["connection_user"]
    assert (
        user["for_each"] == "${local.dataset_roles}"
        and _unquote(user["role"]) == "roles/bigquery.connectionUser"
    )
    creator = grants["table_creator"]
    assert creator["role"] == "${google_project_iam_custom_role.table_creator.id}"
    custom = _resources(hcl, "google_project_iam_custom_role")["table_creator"]
    assert sorted(_unquote(p) for p in custom["permissions"]) == [
        "bigquery.connections.delegate",
        "bigquery.connections.get",
        "bigquery.connections.use",
    ]
    assert 'google_service_account.role["admin"]' in creator["member"]
    locals_ = {k: v for entry in hcl["locals"] for k, v in entry.items()}
    assert set(locals_["dataset_roles"]) == {"reader", "writer", "admin"}


def test_the_connection_account_reads_and_writes_the_bucket_and_logs_are_delivered(
    hcl: dict[str, list],
) -> None:
    """BigQuery docs: the connection service account gets Storage Object User and Storage Legacy
    Bucket Reader on the bucket. Cloud Storage docs, "Usage logs & storage logs": the log bucket
    lets cloud-storage-analytics@google.com create objects."""
    grants = _resources(hcl, "google_storage_bucket_iam_member")
    connection = grants["biglake_connection"]
    assert sorted(
        _unquote(r)
        for r in connection["for_each"].removeprefix("${toset(").removesuffix(")}").strip("[]").split(", ")
    ) == [
        "roles/storage.legacyBucketReader",
        "roles/storage.objectUser",
    ]
    assert "objectAdmin" not in json.dumps(grants)
    logs = grants["access_log_writer"]
    assert _unquote(logs["member"]) == "group:cloud-storage-analytics@google.com"
    assert _unquote(logs["role"]) == "roles/storage.objectCreator"


def test_the_admin_may_set_policy_tags(hcl: dict[str, list]) -> None:
    role = _resources(hcl, "google_project_iam_custom_role")["policy_tag_setter"]
    assert sorted(_unquote(p) for p in role["permissions"]) == [
        "bigquery.tables.setCategory",
        "datacatalog.taxonomies.get",
    ]
    binding = _resources(hcl, "google_project_iam_member")["policy_tag_setter"]
    assert 'google_service_account.role["admin"]' in binding["member"]


def test_every_variable_has_a_description_and_a_type(hcl: dict[str, list]) -> None:
    for entry in hcl["variable"]:
        for name, body in entry.items():
            assert body.get("description") and body.get("type"), name


# --- fmt and checkov ---------------------------------------------------------------------------
def test_terraform_fmt() -> None:
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(GCP_ROOT)],
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
    assert {c["check_id"] for c in skipped} == {"CKV_GCP_62"}
    assert all(c["check_result"].get("suppress_comment") for c in skipped)  # every skip says why
