"""AWS Glue table optimizers for templates with `maintenance.engine: glue`, on the glue path.

The fixture templates (terraform/aws/tests/fixtures/glue_maintenance) are kept out of
table-templates/ and the test corpus: moto has no CreateTableOptimizer, so the optimizers are
checked in the rendered plan, and the role, its policy, the bucket policy and the lake key (which
moto does have) are applied alone (`-target`) to read their policies as AWS receives them.

  events (ops)     engine glue, orphan_older_than 10d, history.expire.max-snapshot-age-ms
                   172800000 (2 days), history.expire.min-snapshots-to-keep 5
  clicks (web)     engine glue, compact false, everything else at its default
  audit_log (ops)  engine icespec: no optimizer

What the values mean (AWS documentation):
- AWS Glue API Reference, IcebergRetentionConfiguration
  (https://docs.aws.amazon.com/glue/latest/webapi/API_IcebergRetentionConfiguration.html):
  snapshotRetentionPeriodInDays and numberOfSnapshotsToRetain default to the table's Iceberg
  properties, else 5 and 1; "If set to false [cleanExpiredFiles], snapshots are only deleted from
  table metadata, and the underlying data and metadata files are not deleted."
- AWS Glue API Reference, IcebergOrphanFileDeletionConfiguration
  (https://docs.aws.amazon.com/glue/latest/webapi/API_IcebergOrphanFileDeletionConfiguration.html):
  location "defaults to the table's location".
- AWS Glue User Guide, "Enabling orphan file deletion"
  (https://docs.aws.amazon.com/glue/latest/dg/enable-orphan-file-deletion.html):
  orphanFileRetentionPeriodInDays has a minimum of 1 day.
- AWS Glue User Guide, "Table optimization prerequisites"
  (https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html): the role's trust
  (glue.amazonaws.com), its S3, Glue, CloudWatch Logs and KMS permissions, GetDataAccess for data
  registered with Lake Formation, and Lake Formation ALTER, DESCRIBE, INSERT and DELETE on the
  table when no IAM_ALLOWED_PRINCIPALS grant covers it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.terraform.rendered import as_list, by_type, lint, rendered_policies, statements, unjustified
from tests.terraform.tfrun import Terraform, copy_terraform_tree, moto_account_role, moto_provider_override

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

ACCOUNT = "210987654323"  # this test's own moto account
PREFIX = "icespec-planopt"
MODULE = "module.glue_table_optimizers[0]"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-table-optimizer"
# Everything the role's policy needs, applied alone: moto has the role, the key and the bucket.
APPLIED = (
    f"{MODULE}.aws_iam_role_policy.optimizer",
    "module.storage.aws_s3_bucket_policy.lake",
    "module.storage.aws_kms_key.lake",
)


@pytest.fixture(scope="module")
def stack(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The plan (every table exists: glue_optimizer_tables = ["*"]) and the applied policies."""
    tmp = tmp_path_factory.mktemp("glue-optimizers")
    moto_account_role(moto_endpoint, ACCOUNT)
    root = copy_terraform_tree(tmp / "work") / "aws"
    (root / "moto_override.tf").write_text(moto_provider_override(moto_endpoint, ACCOUNT))
    terraform = Terraform(root, tmp / "scratch")
    terraform.init()
    variables = [
        "-var=catalog_type=glue",
        "-var=environment=planopt",
        f'-var=lakeformation_admin_arns=["arn:aws:iam::{ACCOUNT}:role/icespec-tests"]',
        f"-var=templates_dir={root / 'tests' / 'fixtures' / 'glue_maintenance'}",
        '-var=glue_optimizer_tables=["*"]',
    ]
    terraform.run("plan", "-input=false", "-out=plan.tfplan", *variables)
    plan = json.loads(terraform.run("show", "-json", "plan.tfplan").stdout)
    targets = [f"-target={address}" for address in APPLIED]
    # Left in place: the account is this test's alone, and the session's moto server ends with it.
    terraform.run("apply", "-auto-approve", "-input=false", *targets, *variables)
    state = json.loads(terraform.run("show", "-json").stdout)
    print(f"glue optimizers plan and targeted apply, timings (s): {terraform.timings}")
    return {
        "planned": {change["address"]: change["change"]["after"] for change in plan["resource_changes"]},
        "outputs": {name: output.get("value") for name, output in plan["planned_values"]["outputs"].items()},
        "state": state,
    }


def _optimizers(planned: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """DATABASE.TABLE → the planned optimizer of that type."""
    address = f'{MODULE}.aws_glue_catalog_table_optimizer.{kind}["'
    return {
        a.removeprefix(address).removesuffix('"]'): v for a, v in planned.items() if a.startswith(address)
    }


def test_one_optimizer_per_type_per_glue_table_and_none_for_icespec_tables(stack):
    planned = stack["planned"]
    assert set(_optimizers(planned, "compaction")) == {"ops.events"}  # clicks says compact: false
    assert set(_optimizers(planned, "retention")) == {"ops.events", "web.clicks"}
    assert set(_optimizers(planned, "orphan_file_deletion")) == {"ops.events", "web.clicks"}
    every = [v for a, v in planned.items() if "aws_glue_catalog_table_optimizer" in a]
    assert len(every) == 5
    assert not [v for v in every if v["table_name"] == "audit_log"]  # engine icespec: icespec maintain
    for kind in ("compaction", "retention", "orphan_file_deletion"):
        for key, optimizer in _optimizers(planned, kind).items():
            assert f"{optimizer['database_name']}.{optimizer['table_name']}" == key
            assert optimizer["type"] == kind and optimizer["catalog_id"] == ACCOUNT
            (configuration,) = optimizer["configuration"]
            assert configuration["enabled"] is True


def test_retention_follows_the_tables_iceberg_properties(stack):
    """IcebergRetentionConfiguration: days and snapshots as the table's history.expire.* say
    (172800000 ms = 2 days, 5 snapshots), else Iceberg's and Glue's 5 days and 1 snapshot; and
    cleanExpiredFiles true, or expired snapshots' files would stay in S3."""
    retention = {
        key: optimizer["configuration"][0]["retention_configuration"][0]["iceberg_configuration"][0]
        for key, optimizer in _optimizers(stack["planned"], "retention").items()
    }
    assert retention == {
        "ops.events": {
            "snapshot_retention_period_in_days": 2,
            "number_of_snapshots_to_retain": 5,
            "clean_expired_files": True,
        },
        "web.clicks": {
            "snapshot_retention_period_in_days": 5,
            "number_of_snapshots_to_retain": 1,
            "clean_expired_files": True,
        },
    }


def test_orphan_file_deletion_uses_orphan_older_than_at_the_table_location(stack):
    """orphan_older_than in days (10d; the default 3d), at least Glue's 1-day minimum; no location:
    Glue defaults it to the table's own."""
    orphans = {
        key: optimizer["configuration"][0]["orphan_file_deletion_configuration"][0]["iceberg_configuration"][
            0
        ]
        for key, optimizer in _optimizers(stack["planned"], "orphan_file_deletion").items()
    }
    assert orphans == {
        "ops.events": {"orphan_file_retention_period_in_days": 10, "location": None},
        "web.clicks": {"orphan_file_retention_period_in_days": 3, "location": None},
    }


def test_the_role_gets_the_documented_lake_formation_grants_on_each_optimized_table(stack):
    """Table optimization prerequisites: without IAM_ALLOWED_PRINCIPALS on the table (the glue path
    removes it), the role needs Lake Formation ALTER, DESCRIBE, INSERT and DELETE on it."""
    prefix = f'{MODULE}.aws_lakeformation_permissions.table["'
    grants = {
        a.removeprefix(prefix).removesuffix('"]'): v
        for a, v in stack["planned"].items()
        if a.startswith(prefix)
    }
    assert set(grants) == {"ops.events", "web.clicks"}
    for key, grant in grants.items():
        assert sorted(grant["permissions"]) == ["ALTER", "DELETE", "DESCRIBE", "INSERT"]
        (table,) = grant["table"]
        assert f"{table['database_name']}.{table['name']}" == key


def test_glue_assumes_the_role(stack):
    """Table optimization prerequisites: the trust policy lets the AWS Glue service assume it."""
    role = stack["planned"][f"{MODULE}.aws_iam_role.optimizer"]
    assert role["name"] == f"{PREFIX}-table-optimizer"
    (statement,) = statements(json.loads(role["assume_role_policy"]))
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {"Service": "glue.amazonaws.com"}


def test_the_role_may_read_the_warehouse_which_denies_everyone_else(stack):
    """The lake's bucket policy denies s3:GetObject on the warehouse, and its key kms:Decrypt
    through S3, to every principal but the listed ones: the role must be listed."""
    assert ROLE_ARN in stack["outputs"]["warehouse_reader_arns"]
    policies = rendered_policies(stack["state"])
    (bucket_policy,) = [d for a, d in policies.items() if a == "module.storage.aws_s3_bucket_policy.lake"]
    (deny_reads,) = [
        s for s in statements(bucket_policy) if s.get("Sid") == "DenyWarehouseReadsToUnlistedPrincipals"
    ]
    assert ROLE_ARN in as_list(deny_reads["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
    key_policy = policies["module.storage.aws_kms_key.lake"]
    (deny_decrypt,) = [
        s for s in statements(key_policy) if s.get("Sid") == "DenyLakeDecryptToUnlistedPrincipals"
    ]
    assert ROLE_ARN in as_list(deny_decrypt["Condition"]["ArnNotLike"]["aws:PrincipalArn"])


def test_the_role_has_the_documented_permissions_on_this_lake_only(stack):
    """Table optimization prerequisites, scoped: Glue GetTable/UpdateTable on the catalog and the
    optimized tables and their databases (not audit_log), the three optimizer log groups, S3 on the
    warehouse prefix, the lake key, and GetDataAccess (the warehouse is registered with LF)."""
    state = stack["state"]
    policy = rendered_policies(state)[f"{MODULE}.aws_iam_role_policy.optimizer"]
    by_sid = {s["Sid"]: s for s in statements(policy)}
    glue = f"arn:aws:glue:us-east-1:{ACCOUNT}"
    assert sorted(as_list(by_sid["GlueReadAndCommitOptimizedTables"]["Action"])) == [
        "glue:GetTable",
        "glue:UpdateTable",
    ]
    assert set(as_list(by_sid["GlueReadAndCommitOptimizedTables"]["Resource"])) == {
        f"{glue}:catalog",
        f"{glue}:database/ops",
        f"{glue}:database/web",
        f"{glue}:table/ops/events",
        f"{glue}:table/web/clicks",
    }
    assert sorted(as_list(by_sid["OptimizerLogs"]["Action"])) == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    assert set(as_list(by_sid["OptimizerLogs"]["Resource"])) == {
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws-glue/iceberg-{kind}/logs:*"
        for kind in ("compaction", "retention", "orphan-file-deletion")
    }
    (bucket,) = [v for v in by_type(state, "aws_s3_bucket").values() if v["bucket"].startswith(PREFIX)]
    assert sorted(as_list(by_sid["WarehouseObjects"]["Action"])) == [
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:PutObject",
    ]
    assert as_list(by_sid["WarehouseObjects"]["Resource"]) == [f"{bucket['arn']}/warehouse/*"]
    assert as_list(by_sid["WarehouseListing"]["Resource"]) == [bucket["arn"]]
    (key,) = by_type(state, "aws_kms_key").values()
    assert sorted(as_list(by_sid["LakeKey"]["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert as_list(by_sid["LakeKey"]["Resource"]) == [key["arn"]]
    assert as_list(by_sid["LakeFormationVendsData"]["Action"]) == ["lakeformation:GetDataAccess"]
    assert set(by_sid) == {
        "GlueReadAndCommitOptimizedTables",
        "OptimizerLogs",
        "WarehouseObjects",
        "WarehouseListing",
        "LakeKey",
        "LakeFormationVendsData",
    }


def test_the_applied_policies_pass_the_iam_linter(stack):
    findings = lint(rendered_policies(stack["state"]))
    assert not unjustified(findings), json.dumps(unjustified(findings), indent=1)
