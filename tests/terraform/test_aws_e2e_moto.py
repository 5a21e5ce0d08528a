"""End to end on the moto server: terraform apply → icespec apply → empty re-plan → destroy.

One apply per catalog type keeps this lean (the provider's own waits dominate the time).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from icespec.governance.lakeformation import apply_column_tags
from icespec.spec import load_spec
from tests.terraform.rendered import (
    as_list,
    by_type,
    lint,
    rendered_policies,
    statements,
    unjustified,
)
from tests.terraform.tfrun import Terraform, copy_terraform_tree, moto_provider_override

pytestmark = [pytest.mark.terraform, pytest.mark.moto, pytest.mark.slow]

REGION = "us-east-1"


def _stack(
    tmp_path: Path, moto_endpoint: str, catalog_type: str, environment: str
) -> tuple[Terraform, list[str]]:
    root = copy_terraform_tree(tmp_path / "work") / "aws"
    (root / "moto_override.tf").write_text(moto_provider_override(moto_endpoint))
    terraform = Terraform(root, tmp_path / "scratch")
    terraform.init()
    variables = [
        f"-var=catalog_type={catalog_type}",
        f"-var=environment={environment}",
        "-var=force_destroy=true",
    ]
    if catalog_type == "nessie":  # the moto stand-in has no identity provider to point OIDC at
        variables.append("-var=nessie={allow_unauthenticated = true}")
    else:  # the account's Lake Formation admins: moto's own identity, which runs terraform here
        variables.append('-var=lakeformation_admin_arns=["arn:aws:iam::123456789012:user/moto"]')
    return terraform, variables


def _client(service: str, moto_endpoint: str):
    return boto3.client(
        service,
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _icespec(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "icespec", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    assert result.returncode == 0, f"icespec {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )
    return {name: json.loads(value) if value.startswith('"') else value for name, value in pairs}


def _column_tags(lakeformation, database: str, table: str, columns: list[str]) -> dict[str, dict[str, str]]:
    response = lakeformation.get_resource_lf_tags(
        Resource={"TableWithColumns": {"DatabaseName": database, "Name": table, "ColumnNames": columns}},
        ShowAssignedLFTags=True,
    )
    return {
        entry["Name"]: {tag["TagKey"]: tag["TagValues"][0] for tag in entry["LFTags"]}
        for entry in response["LFTagsOnColumns"]
    }


def _plan_is_empty(terraform: Terraform, variables: list[str]) -> subprocess.CompletedProcess[str]:
    result = terraform.run("plan", "-input=false", "-detailed-exitcode", *variables, check=False)
    assert result.returncode == 0, (
        f"re-plan is not empty (exit {result.returncode}):\n{result.stdout[-8000:]}{result.stderr}"
    )
    return result


def _check_rendered_policies(terraform: Terraform, warehouse_readers: set[str]) -> dict:
    """The applied stack's policies: what the AWS documentation needs of them, and the IAM lint."""
    state = json.loads(terraform.run("show", "-json").stdout)
    policies = rendered_policies(state)
    roles = {values["name"]: values["arn"] for values in by_type(state, "aws_iam_role").values()}
    readers = {arn for name, arn in roles.items() if any(name.endswith(r) for r in warehouse_readers)}
    assert len(readers) == len(warehouse_readers), (readers, warehouse_readers)

    # IAM User Guide, "Condition operators": a negated operator on a key absent from the request is
    # true, so every deny on an encryption header also needs the header present (Null = false).
    bucket_policies = {a: d for a, d in policies.items() if "aws_s3_bucket_policy" in a}
    guarded = 0
    for address, document in bucket_policies.items():
        for statement in statements(document):
            for key in statement.get("Condition", {}).get("StringNotEquals", {}):
                if key.startswith("s3:x-amz-server-side-encryption"):
                    assert statement["Condition"].get("Null", {}).get(key) == "false", (address, statement)
                    guarded += 1
    assert guarded >= 2  # the lake's algorithm and key (and, on glue, the Athena results' algorithm)

    # Only the listed roles read the warehouse directly, from S3 or through KMS.
    (lake_policy,) = [
        d for a, d in bucket_policies.items() if a.startswith("module.storage.") and a.endswith(".lake")
    ]
    (deny_reads,) = [
        s for s in statements(lake_policy) if s.get("Sid") == "DenyWarehouseReadsToUnlistedPrincipals"
    ]
    assert set(as_list(deny_reads["Condition"]["ArnNotLike"]["aws:PrincipalArn"])) == readers
    (lake_key,) = [d for a, d in policies.items() if a == "module.storage.aws_kms_key.lake"]
    (deny_decrypt,) = [
        s for s in statements(lake_key) if s.get("Sid") == "DenyLakeDecryptToUnlistedPrincipals"
    ]
    assert set(as_list(deny_decrypt["Condition"]["ArnNotLike"]["aws:PrincipalArn"])) == readers
    assert deny_decrypt["Effect"] == "Deny" and "kms:ViaService" in deny_decrypt["Condition"]["StringEquals"]

    findings = lint(policies)
    assert not unjustified(findings), json.dumps(unjustified(findings), indent=1)
    return state


def _check_glue_roles(state: dict, outputs: dict) -> None:
    """Each role reaches only its own Athena workgroup and results prefix (Athena User Guide,
    "Considerations and limitations for querying data registered with Lake Formation"); writers
    and admins may publish alerts to the topic, which has its own key."""
    policies = rendered_policies(state)
    workgroups = {v["name"]: v["arn"] for v in by_type(state, "aws_athena_workgroup").values()}
    (results_bucket,) = [
        v["arn"] for v in by_type(state, "aws_s3_bucket").values() if v["bucket"].endswith("-athena")
    ]
    for role in ("reader", "writer", "admin"):
        query = policies[f'module.lake_formation[0].aws_iam_role_policy.query["{role}"]']
        by_sid = {s["Sid"]: s for s in statements(query)}
        assert as_list(by_sid["AthenaOwnWorkgroup"]["Resource"]) == [
            workgroups[outputs["athena_workgroups"][role]]
        ]
        assert as_list(by_sid["AthenaOwnResults"]["Resource"]) == [f"{results_bucket}/{role}/*"]
    (topic,) = by_type(state, "aws_sns_topic").values()
    alerts_key = next(v["arn"] for a, v in by_type(state, "aws_kms_key").items() if a == "aws_kms_key.alerts")
    assert topic["kms_master_key_id"] == alerts_key
    for role in ("writer", "admin"):
        publish = policies[f'module.lake_formation[0].aws_iam_role_policy.alerts["{role}"]']
        assert {s["Sid"]: as_list(s["Resource"]) for s in statements(publish)} == {
            "PublishAlerts": [topic["arn"]],
            "AlertKey": [alerts_key],
        }
    grants = by_type(state, "aws_lakeformation_permissions")
    writer = outputs["role_arns"]["writer"]
    assert any(v["principal"] == writer and "ALTER" in v["permissions"] for v in grants.values())
    assert any(
        v["principal"] == writer and v["permissions"] == ["DATA_LOCATION_ACCESS"] for v in grants.values()
    )


def test_glue_stack_apply_icespec_replan_destroy(moto_endpoint: str, tmp_path: Path) -> None:
    terraform, variables = _stack(tmp_path, moto_endpoint, "glue", "e2eglue")
    terraform.run("apply", "-auto-approve", "-input=false", *variables)
    outputs_json = terraform.run("output", "-json").stdout
    outputs = {name: item["value"] for name, item in json.loads(outputs_json).items()}
    assert outputs["glue_databases"] == ["lakehouse", "ml", "sales"]
    state = _check_rendered_policies(terraform, {"-lakeformation-data", "e2eglue-writer", "e2eglue-admin"})
    _check_glue_roles(state, outputs)

    # terraform outputs → ICESPEC_* env file, through the CLI the pipelines use.
    (tmp_path / "outputs.json").write_text(outputs_json)
    templates = tmp_path / "work" / "table-templates"
    env_file = tmp_path / "icespec.env"
    base_env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    _icespec(
        "config",
        "from-terraform",
        "--input",
        str(tmp_path / "outputs.json"),
        "--output",
        str(env_file),
        "--aws-endpoint-url",
        moto_endpoint,
        env=base_env,
        cwd=tmp_path,
    )
    settings = _env_file(env_file)
    assert settings["ICESPEC_BACKEND"] == "aws-glue"
    assert settings["ICESPEC_WAREHOUSE"] == outputs["warehouse_uri"]
    # icespec runs as the admin role, as in production: the lake's bucket policy lets only the
    # listed roles read the warehouse (moto's default user, which this test otherwise signs as, is refused).
    credentials = _client("sts", moto_endpoint).assume_role(
        RoleArn=outputs["role_arns"]["admin"], RoleSessionName="icespec-apply"
    )["Credentials"]
    as_admin = {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
    icespec_env = {**base_env, **as_admin, **settings, "ICESPEC_TEMPLATES": str(templates)}

    # icespec apply creates the tables (pyiceberg on Glue) and tags every column in Lake Formation.
    _icespec("apply", env=icespec_env, cwd=tmp_path)
    glue = _client("glue", moto_endpoint)
    lakeformation = _client("lakeformation", moto_endpoint)
    tables = {
        (t["DatabaseName"], t["Name"])
        for db in outputs["glue_databases"]
        for t in glue.get_tables(DatabaseName=db)["TableList"]
    }
    assert tables == {
        ("lakehouse", "event_stream"),
        ("lakehouse", "scd_type2"),
        ("ml", "feature_table"),
        ("sales", "orders"),
    }

    orders = _column_tags(lakeformation, "sales", "orders", ["order_id", "customer_id", "payment_card_last4"])
    assert orders == {
        "order_id": {"access_level": "public", "pii": "false"},
        "customer_id": {"access_level": "internal", "pii": "false"},
        "payment_card_last4": {"access_level": "restricted", "pii": "true"},
    }
    # address holds `street` (no access_level: restricted, pii): the whole struct is restricted.
    assert _column_tags(lakeformation, "lakehouse", "scd_type2", ["address"]) == {
        "address": {"access_level": "restricted", "pii": "true"}
    }
    for database, table in tables:
        columns = [
            c["Name"]
            for c in glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"][
                "Columns"
            ]
        ]
        assert set(_column_tags(lakeformation, database, table, columns)) == set(columns), (
            f"{table}: untagged columns"
        )

    # Idempotent: nothing left to change.
    orders_spec = load_spec(templates / "orders.yaml")
    assert apply_column_tags(spec=orders_spec, lakeformation=lakeformation, glue=glue, dry_run=True) == []

    # Terraform does not fight icespec over tables or column tags: nothing to change.
    _plan_is_empty(terraform, variables)

    # One account holds one environment: a second environment's stack refuses to plan here, before
    # it could overwrite (or, destroyed, remove) this stack's Lake Formation admins.
    other, other_variables = _stack(tmp_path / "other", moto_endpoint, "glue", "e2eother")
    refused = other.run("plan", "-input=false", *other_variables, check=False)
    assert refused.returncode != 0
    said = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", refused.stderr).replace("│", " ").split())
    assert "belong to the icespec stack 'icespec-e2eglue', not 'icespec-e2eother'" in said, said
    assert "use one AWS account per environment" in said

    # A changed access_level in YAML changes access at the next icespec apply.
    template = templates / "orders.yaml"
    template.write_text(
        template.read_text().replace(
            "    description: Customer who placed the order\n    access_level: internal",
            "    description: Customer who placed the order\n    access_level: restricted",
        )
    )
    pending = apply_column_tags(
        spec=load_spec(template), lakeformation=lakeformation, glue=glue, dry_run=True
    )
    assert [(c.column, c.before, c.after) for c in pending] == [
        (
            "customer_id",
            {"access_level": "internal", "pii": "false"},
            {"access_level": "restricted", "pii": "false"},
        )
    ]
    _icespec("apply", env=icespec_env, cwd=tmp_path)
    assert _column_tags(lakeformation, "sales", "orders", ["customer_id"]) == {
        "customer_id": {"access_level": "restricted", "pii": "false"}
    }

    terraform.run("destroy", "-auto-approve", "-input=false", *variables)
    remaining = {db["Name"] for db in glue.get_databases()["DatabaseList"]}
    assert not remaining & {"lakehouse", "ml", "sales"}, f"databases left after destroy: {remaining}"
    buckets = {b["Name"] for b in _client("s3", moto_endpoint).list_buckets()["Buckets"]}
    assert outputs["bucket"] not in buckets
    print(f"glue e2e timings (s): {terraform.timings}")


def test_nessie_stack_apply_replan_destroy(moto_endpoint: str, tmp_path: Path) -> None:
    terraform, variables = _stack(tmp_path, moto_endpoint, "nessie", "e2enessie")
    terraform.run("apply", "-auto-approve", "-input=false", *variables)
    outputs = terraform.outputs()
    _check_rendered_policies(terraform, {"e2enessie-nessie-task", "e2enessie-nessie-writer"})
    assert outputs["catalog_uri"].endswith("/iceberg")

    # The Trino rules object in S3 is what the templates say: readers never get restricted columns.
    s3 = _client("s3", moto_endpoint)
    key = outputs["trino_access_rules_s3"].removeprefix(f"s3://{outputs['bucket']}/")
    obj = s3.get_object(Bucket=outputs["bucket"], Key=key)
    assert obj["ServerSideEncryption"] == "aws:kms"
    rules = json.loads(obj["Body"].read())
    reader_rules = {r["table"]: r for r in rules["tables"] if r.get("group") == "icespec-reader"}
    for stem, columns in outputs["column_access"].items():
        denied = {c["name"] for c in reader_rules[stem]["columns"] if c["allow"] is False}
        assert denied == {c["name"] for c in columns if c["access_level"] == "restricted"}, stem
    assert {c["name"] for c in reader_rules["orders"]["columns"]} == {"payment_card_last4"}

    ecs = _client("ecs", moto_endpoint)
    service = ecs.describe_services(cluster="icespec-e2enessie-nessie", services=["nessie"])["services"][0]
    assert service["launchType"] == "FARGATE"
    table = _client("dynamodb", moto_endpoint).describe_table(TableName="icespec-e2enessie_v2_refs")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    _plan_is_empty(terraform, variables)
    terraform.run("destroy", "-auto-approve", "-input=false", *variables)
    assert outputs["bucket"] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    print(f"nessie e2e timings (s): {terraform.timings}")
