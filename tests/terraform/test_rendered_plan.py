"""What Terraform would create, read from the rendered plan (`terraform show -json`) against moto.

Each assertion is a semantic the clouds' documentation requires, cited where it is checked; the
policies that are known only after apply are checked on the applied stacks (test_aws_e2e_moto.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.tfrun import Terraform, copy_terraform_tree, moto_account_role, moto_provider_override

pytestmark = [pytest.mark.terraform, pytest.mark.moto]


def _plan(tmp: Path, moto_endpoint: str, account: str, *variables: str) -> dict[str, Any]:
    """The plan in a moto account of its own: the applied end-to-end stacks live in the default one."""
    moto_account_role(moto_endpoint, account)
    root = copy_terraform_tree(tmp / "work") / "aws"
    (root / "moto_override.tf").write_text(moto_provider_override(moto_endpoint, account))
    terraform = Terraform(root, tmp / "scratch")
    terraform.init()
    terraform.run("plan", "-input=false", "-out=plan.tfplan", *variables)
    return json.loads(terraform.run("show", "-json", "plan.tfplan").stdout)


def _created(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource address → its planned values; "configuration:ADDRESS" → the root module's
    configuration of a resource (its expressions and what they reference, known before apply)."""
    created = {change["address"]: change["change"]["after"] for change in plan["resource_changes"]}
    for resource in plan["configuration"]["root_module"].get("resources", []):
        created[f"configuration:{resource['address']}"] = resource
    return created


@pytest.fixture(scope="module")
def nessie_plan(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    oidc = (
        '{oidc = {enabled = true, auth_server_url = "https://login.example.com/realms/data", client_id = "nessie", '
        'audience = "nessie", authorization_rules = {pipelines = "\'data-pipelines\' in roles"}}}'
    )
    return _created(
        _plan(
            tmp_path_factory.mktemp("nessie-plan"),
            moto_endpoint,
            "210987654321",
            "-var=catalog_type=nessie",
            "-var=environment=plannessie",
            f"-var=nessie={oidc}",
        )
    )


@pytest.fixture(scope="module")
def glue_plan(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return _created(
        _plan(
            tmp_path_factory.mktemp("glue-plan"),
            moto_endpoint,
            "210987654322",
            "-var=catalog_type=glue",
            "-var=environment=planglue",
            '-var=lakeformation_admin_arns=["arn:aws:iam::210987654322:role/icespec-tests"]',
        )
    )


def _nessie_environment(nessie_plan: dict[str, dict[str, Any]]) -> dict[str, str]:
    (definition,) = [v for a, v in nessie_plan.items() if a.endswith("aws_ecs_task_definition.nessie")]
    (container,) = json.loads(definition["container_definitions"])
    return {item["name"]: item["value"] for item in container["environment"]} | {"image": container["image"]}


def test_nessie_runs_a_pullable_image_with_the_task_role_for_s3(nessie_plan):
    environment = _nessie_environment(nessie_plan)
    # Nessie CHANGELOG 0.77.0: "no longer publishes container images to docker.io/Docker Hub.
    # Container images are available from ghcr.io and quay.io."
    assert environment["image"].startswith("ghcr.io/projectnessie/nessie:")
    # S3BucketOptions.authType (Nessie source): "If not set, the default is STATIC", which needs keys.
    assert environment["NESSIE_CATALOG_SERVICE_S3_DEFAULT_OPTIONS_AUTH_TYPE"] == "APPLICATION_GLOBAL"
    # S3BucketOptions.effectiveRequestSigningEnabled: requestSigningEnabled().orElse(true). Nessie
    # would sign clients' S3 requests with its task role, around the column rules: off.
    assert environment["NESSIE_CATALOG_SERVICE_S3_DEFAULT_OPTIONS_REQUEST_SIGNING_ENABLED"] == "false"
    # VersionStoreConfig (Nessie source): DYNAMODB is @Deprecated; DYNAMODB2 replaces it.
    assert environment["NESSIE_VERSION_STORE_TYPE"] == "DYNAMODB2"
    prefix = environment["NESSIE_VERSION_STORE_PERSIST_DYNAMODB_TABLE_PREFIX"]
    tables = {v["name"] for a, v in nessie_plan.items() if "aws_dynamodb_table.version_store" in a}
    assert tables == {f"{prefix}_refs", f"{prefix}_objs"}  # DynamoDB2Backend: <prefix>_refs/_objs


def test_nessie_builds_client_urls_from_the_load_balancers_forwarded_headers(nessie_plan):
    """Quarkus ProxyConfig: address forwarding reads X-Forwarded-* only when enabled, and from the
    trusted proxies only; the load balancer lives in the VPC."""
    environment = _nessie_environment(nessie_plan)
    assert environment["QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING"] == "true"
    assert environment["QUARKUS_HTTP_PROXY_ALLOW_X_FORWARDED"] == "true"
    assert environment["QUARKUS_HTTP_PROXY_ENABLE_FORWARDED_HOST"] == "true"
    (vpc,) = [v for a, v in nessie_plan.items() if a.endswith("aws_vpc.this")]
    assert environment["QUARKUS_HTTP_PROXY_TRUSTED_PROXIES"] == vpc["cidr_block"]


def test_nessie_is_internal_authenticated_authorized_and_sized_as_documented(nessie_plan):
    environment = _nessie_environment(nessie_plan)
    (balancer,) = [v for a, v in nessie_plan.items() if a.endswith("aws_lb.this")]
    assert balancer["internal"] is True
    assert environment["NESSIE_SERVER_AUTHENTICATION_ENABLED"] == "true"
    assert environment["NESSIE_SERVER_AUTHORIZATION_ENABLED"] == "true"
    # Quarkus OidcTenantConfig: "Audience verification for access tokens is only done if this
    # property is configured."
    assert environment["QUARKUS_OIDC_TOKEN_AUDIENCE"] == "nessie"
    assert environment["NESSIE_SERVER_AUTHORIZATION_RULES_PIPELINES"] == "'data-pipelines' in roles"
    (definition,) = [v for a, v in nessie_plan.items() if a.endswith("aws_ecs_task_definition.nessie")]
    # Nessie "Server sizing": "The minimum resources for Nessie are 4 CPUs and 4 GB RAM."
    assert int(definition["cpu"]) >= 4096 and int(definition["memory"]) >= 4096


def test_each_role_queries_in_its_own_athena_workgroup_and_results_prefix(glue_plan):
    """Athena User Guide, "Considerations and limitations for querying data registered with Lake
    Formation": use workgroups to specify the location for query results and align workgroup
    membership with Lake Formation permissions."""
    workgroups = {a.split('"')[1]: v for a, v in glue_plan.items() if "aws_athena_workgroup.role[" in a}
    assert set(workgroups) == {"reader", "writer", "admin"}
    locations = set()
    for role, workgroup in workgroups.items():
        (configuration,) = workgroup["configuration"]
        (results,) = configuration["result_configuration"]
        assert configuration["enforce_workgroup_configuration"] is True
        assert results["output_location"].endswith(f"-athena/{role}/"), results
        locations.add(results["output_location"])
    assert len(locations) == 3


def test_the_writer_can_commit_and_every_role_can_describe_default(glue_plan):
    grants = {a: v for a, v in glue_plan.items() if "aws_lakeformation_permissions" in a}
    writer_tables = next(v for a, v in grants.items() if a.endswith('tag_policy["writer_tables"]'))
    # Lake Formation permissions reference: ALTER ↔ glue:UpdateTable, which pyiceberg's Glue
    # catalog calls to commit (GlueCatalog.commit_table → _update_glue_table).
    assert "ALTER" in writer_tables["permissions"]
    data_location = {a.split('"')[1]: v for a, v in grants.items() if ".data_location[" in a}
    assert set(data_location) == {"writer", "admin"}
    assert all(v["permissions"] == ["DATA_LOCATION_ACCESS"] for v in data_location.values())
    # Athena: "The Lake Formation DESCRIBE permission is required on the default database."
    describe = [v for a, v in grants.items() if ".describe_default_database[" in a]
    assert len(describe) == 3
    assert all(v["permissions"] == ["DESCRIBE"] and v["database"][0]["name"] == "default" for v in describe)
    assert any(a.endswith("aws_glue_catalog_database.default[0]") for a in glue_plan)


def test_alerts_have_their_own_key(glue_plan):
    """SNS Developer Guide, "Encryption at rest": a publisher to an encrypted topic needs
    kms:GenerateDataKey and kms:Decrypt on its key, so the topic must not use the lake's key."""
    topic = glue_plan["configuration:aws_sns_topic.alerts"]
    assert topic["expressions"]["kms_master_key_id"]["references"][-1] == "aws_kms_key.alerts"
    assert "aws_kms_key.alerts" in glue_plan
