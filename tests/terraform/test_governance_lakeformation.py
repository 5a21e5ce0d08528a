"""Lake Formation column tags from templates: the pure parts, and the apply against moto."""

from __future__ import annotations

import contextlib

import boto3
import pytest
from pyiceberg.catalog.glue import GlueCatalog

from icespec.governance.lakeformation import (
    ColumnTagChange,
    GovernanceError,
    GovernanceSkipped,
    apply_column_tags,
    desired_column_tags,
    plan_column_tags,
)
from icespec.schema import iceberg_schema
from icespec.spec import parse_spec
from tests.terraform.tfrun import REPO_ROOT

NESTED = """
name: people
namespace: gov
columns:
  - {name: id, type: long, access_level: public}
  - name: profile
    access_level: internal
    fields:
      - {name: nickname, type: string}
      - name: contact
        fields:
          - {name: email, type: string, pii: true, access_level: restricted}
  - {name: note, type: string}
  - {name: score, type: double, access_level: internal, pii: true}
"""


def test_desired_tags_take_the_most_restrictive_level_and_any_pii_inside_a_column() -> None:
    tags = desired_column_tags(parse_spec(NESTED, "people.yaml"))
    assert tags == {
        "id": {"access_level": "public", "pii": "false"},
        "profile": {"access_level": "restricted", "pii": "true"},  # email deep inside
        "note": {"access_level": "restricted", "pii": "false"},  # unclassified: fail-closed
        "score": {"access_level": "internal", "pii": "true"},
    }


def test_desired_tags_for_the_example_templates_never_expose_pii_as_public() -> None:
    from icespec.spec import load_specs

    for spec in load_specs([REPO_ROOT / "table-templates"]):
        for column, tags in desired_column_tags(spec).items():
            assert not (tags["pii"] == "true" and tags["access_level"] == "public"), f"{spec.name}.{column}"


def test_plan_sets_differences_and_removes_tags_of_columns_no_template_describes() -> None:
    desired = {
        "a": {"access_level": "public", "pii": "false"},
        "b": {"access_level": "internal", "pii": "false"},
    }
    live = {
        "a": {"access_level": "public", "pii": "false"},
        "b": {"access_level": "restricted", "pii": "false", "other": "x"},
        "stray": {"access_level": "public", "pii": "false"},
    }
    changes = plan_column_tags("db", "t", desired, live, ["a", "b", "stray", "untagged"])
    assert changes == [
        ColumnTagChange(
            "db", "t", "b", "set", before={"access_level": "restricted", "pii": "false"}, after=desired["b"]
        ),
        ColumnTagChange("db", "t", "stray", "remove", before={"access_level": "public", "pii": "false"}),
    ]
    assert (
        changes[0].message
        == "db.t.b: LF tags access_level=restricted, pii=false -> access_level=internal, pii=false"
    )
    assert "inherits restricted" in changes[1].message
    assert (
        plan_column_tags("db", "t", desired, {k: live[k] for k in ("a",)} | {"b": desired["b"]}, ["a", "b"])
        == []
    )


@pytest.mark.moto
def test_apply_column_tags_on_moto(moto_endpoint: str) -> None:
    """Real pyiceberg Glue table on moto, LF tags as Terraform creates them; apply, re-apply, change."""
    clients = {
        name: boto3.client(
            name,
            endpoint_url=moto_endpoint,
            region_name="us-east-1",
            aws_access_key_id="t",
            aws_secret_access_key="t",
        )
        for name in ("lakeformation", "glue", "s3")
    }
    lakeformation = clients["lakeformation"]
    created_tags = []
    for key, values in {
        "access_level": ["public", "internal", "restricted"],
        "pii": ["true", "false"],
    }.items():
        with contextlib.suppress(lakeformation.exceptions.AlreadyExistsException):  # made by another test
            lakeformation.create_lf_tag(TagKey=key, TagValues=values)
            created_tags.append(key)
    try:
        _exercise_apply_column_tags(moto_endpoint, clients)
    finally:  # the moto server is shared: leave no tags behind for Terraform to trip over
        for key in created_tags:
            lakeformation.delete_lf_tag(TagKey=key)


def _exercise_apply_column_tags(moto_endpoint: str, clients: dict) -> None:
    lakeformation, glue = clients["lakeformation"], clients["glue"]
    clients["s3"].create_bucket(Bucket="governance-unit")
    catalog = GlueCatalog(
        "gov",
        **{
            "glue.endpoint": moto_endpoint,
            "glue.region": "us-east-1",
            "glue.access-key-id": "t",
            "glue.secret-access-key": "t",
            "s3.endpoint": moto_endpoint,
            "s3.region": "us-east-1",
            "s3.access-key-id": "t",
            "s3.secret-access-key": "t",
            "warehouse": "s3://governance-unit/wh",
        },
    )
    spec = parse_spec(NESTED, "people.yaml")
    catalog.create_namespace("gov")
    catalog.create_table(("gov", "people"), schema=iceberg_schema(spec))

    first = apply_column_tags(spec=spec, lakeformation=lakeformation, glue=glue)
    assert {c.column: c.after for c in first} == desired_column_tags(spec)
    assert apply_column_tags(spec=spec, lakeformation=lakeformation, glue=glue) == []

    loosened = parse_spec(
        NESTED.replace("{name: note, type: string}", "{name: note, type: string, access_level: internal}"),
        "people.yaml",
    )
    change = apply_column_tags(spec=loosened, lakeformation=lakeformation, glue=glue)
    assert [(c.column, c.before["access_level"], c.after["access_level"]) for c in change] == [
        ("note", "restricted", "internal")
    ]
    live = lakeformation.get_resource_lf_tags(
        Resource={
            "TableWithColumns": {"DatabaseName": "gov", "Name": "people", "ColumnNames": ["note", "profile"]}
        },
        ShowAssignedLFTags=True,
    )["LFTagsOnColumns"]
    assert {e["Name"]: {t["TagKey"]: t["TagValues"][0] for t in e["LFTags"]} for e in live} == {
        "note": {"access_level": "internal", "pii": "false"},
        "profile": {"access_level": "restricted", "pii": "true"},
    }

    extra_column = parse_spec(NESTED + "  - {name: added_later, type: string}\n", "people.yaml")
    with pytest.raises(GovernanceError, match="added_later"):
        apply_column_tags(spec=extra_column, lakeformation=lakeformation, glue=glue)


@pytest.mark.moto
def test_an_account_without_icespec_lf_tags_is_skipped_with_a_warning(moto_endpoint: str) -> None:
    """A Glue catalog terraform/aws did not set up for Lake Formation: nothing to tag, said loudly."""
    kwargs = {
        "endpoint_url": moto_endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "t",
        "aws_secret_access_key": "t",
    }
    lakeformation, glue = boto3.client("lakeformation", **kwargs), boto3.client("glue", **kwargs)
    spec = parse_spec(NESTED, "people.yaml")
    with pytest.warns(GovernanceSkipped, match="do not exist in this account"):
        # a catalog id of its own: the shared moto server may hold another test's tags
        assert (
            apply_column_tags(spec=spec, lakeformation=lakeformation, glue=glue, catalog_id="999999999999")
            == []
        )
