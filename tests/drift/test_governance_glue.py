"""Lake Formation column tags in plan, apply, drift and the drift sensor on moto's Glue + LF + S3.

The LF tags are created the way `terraform apply` would (like tests/tables' `glue_settings`); the
account without them is another moto account (an assumed role), so the shared server's tags stay.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest
from dagster import build_sensor_context

from icespec.catalogs import Settings
from icespec.cli import main
from icespec.governance.lakeformation import GovernanceSkipped
from icespec.orchestration.drift_sensor import build_drift_sensor, drift_alerts_resource
from icespec.orchestration.resources import LakehouseResource
from icespec.spec import load_specs

pytestmark = pytest.mark.moto

TEMPLATE = """\
name: people
namespace: {namespace}
columns:
  - {{name: id, type: long, required: true, access_level: public}}
  - {{name: nickname, type: string, access_level: internal}}
  - {{name: email, type: string, pii: true}}
"""
LF_TAGS = {"access_level": ["public", "internal", "restricted"], "pii": ["true", "false"]}


@pytest.fixture(scope="module")
def lf_tags(aws_env: dict[str, str]) -> None:
    """The icespec LF tags in moto's default account, as terraform/aws creates them."""
    lakeformation = boto3.client("lakeformation", endpoint_url=aws_env["endpoint"], region_name="us-east-1")
    for key, values in LF_TAGS.items():
        try:
            lakeformation.create_lf_tag(TagKey=key, TagValues=values)
        except lakeformation.exceptions.AlreadyExistsException:
            lakeformation.update_lf_tag(TagKey=key, TagValuesToAdd=values)  # another module made it first


@pytest.fixture()
def glue_cli(glue_env: dict[str, str], lf_tags, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A template of its own namespace and the aws-glue variables in the environment; returns the file."""
    for variable, value in glue_env.items():
        monkeypatch.setenv(variable, value)
    for variable in ("ICESPEC_SLACK_WEBHOOK_URL", "ICESPEC_SLACK_BOT_TOKEN", "ICESPEC_SNS_TOPIC_ARN"):
        monkeypatch.delenv(variable, raising=False)
    templates = tmp_path / "templates"
    templates.mkdir()
    path = templates / "people.yaml"
    path.write_text(TEMPLATE.format(namespace=f"gov_{uuid.uuid4().hex[:8]}"))
    return path


def run(path: Path, *args: str, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--templates", str(path.parent), *args])
    return code, capsys.readouterr().out


def table_changes(out: str) -> list[dict]:
    (table,) = json.loads(out)["tables"]
    return table["changes"]


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def set_column_tags(namespace: str, column: str, tags: dict[str, str], endpoint: str) -> None:
    """A change by hand in the Lake Formation console, as boto3 makes it.

    Both keys are sent: moto replaces a column's whole tag set on add (real LF replaces per key).
    """
    boto3.client("lakeformation", endpoint_url=endpoint, region_name="us-east-1").add_lf_tags_to_resource(
        Resource={"TableWithColumns": {"DatabaseName": namespace, "Name": "people", "ColumnNames": [column]}},
        LFTags=[{"TagKey": key, "TagValues": [value]} for key, value in tags.items()],
    )


def test_hand_changed_tag_shows_in_plan_and_drift_and_apply_fixes_it(glue_cli, aws_env, capsys):
    path = glue_cli
    (spec,) = load_specs([path.parent])
    code, out = run(path, "plan", capsys=capsys)
    assert code == 2
    assert "note: Lake Formation column tags are assigned right after the table is created" in out

    code, out = run(path, "apply", "--json", capsys=capsys)
    assert code == 0
    (created,) = json.loads(out)["tables"]
    assert created["action"] == "created"
    assert {c["path"]: c["after"] for c in created["governance"]} == {
        "id": {"access_level": "public", "pii": "false"},
        "nickname": {"access_level": "internal", "pii": "false"},
        "email": {"access_level": "restricted", "pii": "true"},
    }
    assert {c["kind"] for c in created["governance"]} == {"set_column_tags"}
    assert run(path, "plan", capsys=capsys)[0] == 0
    assert run(path, "drift", capsys=capsys)[0] == 0

    set_column_tags(
        spec.namespace, "nickname", {"access_level": "public", "pii": "false"}, aws_env["endpoint"]
    )

    code, out = run(path, "plan", "--json", capsys=capsys)
    assert code == 2
    assert table_changes(out) == [
        {
            "kind": "set_column_tags",
            "path": "nickname",
            "before": {"access_level": "public", "pii": "false"},
            "after": {"access_level": "internal", "pii": "false"},
            "breaking": False,
            "message": f"{spec.full_name}.nickname: LF tags access_level=public, pii=false -> "
            "access_level=internal, pii=false",
            "yaml_line": line_of(path, "name: nickname"),
            "data_impact": None,
        }
    ]
    code, out = run(path, "plan", capsys=capsys)
    assert f"  ~ {spec.full_name}.nickname: LF tags access_level=public" in out
    assert "Plan: 0 to create, 1 to change (0 with BREAKING changes), 0 unchanged." in out

    code, out = run(path, "drift", "--json", capsys=capsys)
    assert code == 2
    (drifted,) = json.loads(out)["tables"]
    assert (drifted["status"], drifted["severity"]) == ("drift", "warning")
    assert [(c["kind"], c["path"]) for c in drifted["changes"]] == [("set_column_tags", "nickname")]
    code, out = run(path, "drift", capsys=capsys)
    assert (
        "~ Lake Formation tags of column 'nickname' are access_level=public, pii=false live, "
        f"access_level=internal, pii=false in the template  [people.yaml:{line_of(path, 'name: nickname')}]"
    ) in out

    code, out = run(path, "apply", capsys=capsys)
    assert code == 0
    assert f"{spec.full_name}: updated" in out  # only access changed: the summary must not say unchanged
    assert "Apply complete: 0 created, 1 updated, 0 unchanged." in out
    assert run(path, "plan", capsys=capsys)[0] == 0
    assert run(path, "drift", capsys=capsys)[0] == 0


def test_access_level_change_in_the_yaml_is_planned_as_a_tag_change(glue_cli, capsys):
    path = glue_cli
    assert run(path, "apply", capsys=capsys)[0] == 0
    path.write_text(path.read_text().replace("access_level: internal", "access_level: restricted"))

    code, out = run(path, "plan", "--json", capsys=capsys)
    assert code == 2
    assert [(c["kind"], c["path"], c["before"], c["after"], c["yaml_line"]) for c in table_changes(out)] == [
        (
            "set_column_tags",
            "nickname",
            {"access_level": "internal", "pii": "false"},
            {"access_level": "restricted", "pii": "false"},
            line_of(path, "name: nickname"),
        )
    ]
    assert run(path, "apply", capsys=capsys)[0] == 0
    assert run(path, "plan", capsys=capsys)[0] == 0


def test_a_new_column_is_planned_with_the_tags_it_will_get(glue_cli, capsys):
    path = glue_cli
    assert run(path, "apply", capsys=capsys)[0] == 0
    path.write_text(path.read_text() + "  - {name: city, type: string, access_level: public}\n")

    code, out = run(path, "plan", "--json", capsys=capsys)
    assert code == 2
    assert [(c["kind"], c["path"], c["after"]) for c in table_changes(out)] == [
        ("add_column", "city", {"type": "string", "required": False}),
        ("set_column_tags", "city", {"access_level": "public", "pii": "false"}),
    ]
    assert run(path, "apply", capsys=capsys)[0] == 0
    assert run(path, "plan", capsys=capsys)[0] == 0


def test_the_drift_sensor_alerts_tag_drift_once_and_resolves_after_apply(
    glue_cli, glue_env, aws_env, slack, monkeypatch, capsys
):
    path = glue_cli
    specs = load_specs([path.parent])
    assert run(path, "apply", capsys=capsys)[0] == 0
    monkeypatch.setenv("ICESPEC_SLACK_WEBHOOK_URL", slack.webhook_url)
    sensor = build_drift_sensor(specs, Settings.from_env(glue_env), minimum_interval_seconds=60)
    resources = {
        "lakehouse": LakehouseResource(
            backend="aws-glue",
            warehouse=glue_env["ICESPEC_WAREHOUSE"],
            aws_region="us-east-1",
            aws_endpoint_url=aws_env["endpoint"],
        ),
        "drift_alerts": drift_alerts_resource(),
    }
    cursor = None

    def tick() -> list[dict]:
        nonlocal cursor
        with build_sensor_context(cursor=cursor, resources=resources) as context:
            result = sensor(context)
        cursor = result.cursor
        bodies = [r.body for r in slack.requests]
        slack.requests.clear()
        return bodies

    assert tick() == []
    set_column_tags(
        specs[0].namespace, "email", {"access_level": "restricted", "pii": "false"}, aws_env["endpoint"]
    )
    (alert,) = tick()
    assert alert["blocks"][0]["text"]["text"] == f":warning: Drift detected: {specs[0].full_name}"
    assert "Lake Formation tags of column 'email'" in json.dumps(alert)
    assert tick() == []  # same drift next tick: deduplicated

    assert run(path, "apply", capsys=capsys)[0] == 0
    (resolved,) = tick()
    assert "resolved" in resolved["blocks"][0]["text"]["text"].lower()
    assert tick() == []


@pytest.fixture()
def account_without_lake_formation(aws_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Another moto account (an assumed role) where terraform never created the icespec LF tags."""
    sts = boto3.client("sts", endpoint_url=aws_env["endpoint"], region_name="us-east-1")
    credentials = sts.assume_role(
        RoleArn="arn:aws:iam::210987654321:role/icespec-admin", RoleSessionName="icespec-test"
    )["Credentials"]
    variables = {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
    for variable, value in variables.items():
        monkeypatch.setenv(variable, value)
    # Explicit keys: boto3's default session has cached the default account's credentials.
    account = {
        "endpoint_url": aws_env["endpoint"],
        "region_name": "us-east-1",
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    bucket = f"icespec-nolf-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", **account).create_bucket(Bucket=bucket)
    for variable, value in {
        "ICESPEC_BACKEND": "aws-glue",
        "ICESPEC_WAREHOUSE": f"s3://{bucket}/warehouse",
        "ICESPEC_AWS_REGION": "us-east-1",
        "ICESPEC_AWS_ENDPOINT_URL": aws_env["endpoint"],
    }.items():
        monkeypatch.setenv(variable, value)
    lakeformation = boto3.client("lakeformation", **account)
    assert not lakeformation.get_lf_tag(TagKey="access_level").get("TagValues")
    templates = tmp_path / "templates"
    templates.mkdir()
    path = templates / "people.yaml"
    path.write_text(TEMPLATE.format(namespace=f"nolf_{uuid.uuid4().hex[:8]}"))
    return path


def test_glue_without_lake_formation_skips_governance_with_a_note(account_without_lake_formation, capsys):
    path = account_without_lake_formation
    with pytest.warns(GovernanceSkipped, match="do not exist in this account"):
        code, out = run(path, "apply", capsys=capsys)
    assert code == 0
    assert "note: " in out and "do not exist in this account" in out and "terraform apply" in out

    code, out = run(path, "plan", capsys=capsys)
    assert code == 0
    assert "do not exist in this account" in out
    code, out = run(path, "plan", "--json", capsys=capsys)
    (plan,) = json.loads(out)["tables"]
    assert (plan["changes"], len(plan["notes"])) == ([], 1)

    code, out = run(path, "drift", capsys=capsys)
    assert code == 0
    assert "note: " in out and "do not exist in this account" in out
    code, out = run(path, "drift", "--json", capsys=capsys)
    (table,) = json.loads(out)["tables"]
    assert (table["status"], len(table["notes"])) == ("in_sync", 1)
