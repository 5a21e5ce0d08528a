"""Fixtures for the tables tests: a real SQLite catalog and a real Glue catalog on moto (Glue + S3)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from icespec.catalogs import Settings, open_catalog
from icespec.spec import TableSpec, load_specs, parse_spec

REPO = Path(__file__).resolve().parents[2]
_counter = itertools.count()


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lakehouse")})


@pytest.fixture(scope="session")
def glue_settings(moto_endpoint: str) -> Settings:
    bucket = f"icespec-tables-{uuid.uuid4().hex[:8]}"
    aws = {"endpoint_url": moto_endpoint, "region_name": "us-east-1", "aws_access_key_id": "test",
           "aws_secret_access_key": "test"}  # fmt: skip
    boto3.client("s3", **aws).create_bucket(Bucket=bucket)
    # What `terraform apply` creates before `icespec apply` assigns column tags (see DESIGN.md).
    lakeformation = boto3.client("lakeformation", **aws)
    for key, values in {
        "access_level": ["public", "internal", "restricted"],
        "pii": ["true", "false"],
    }.items():
        try:
            lakeformation.create_lf_tag(TagKey=key, TagValues=values)
        except lakeformation.exceptions.AlreadyExistsException:
            lakeformation.update_lf_tag(TagKey=key, TagValuesToAdd=values)  # another module made it first
    return Settings.from_env(
        {
            "ICESPEC_BACKEND": "aws-glue",
            "ICESPEC_WAREHOUSE": f"s3://{bucket}/warehouse",
            "ICESPEC_AWS_REGION": "us-east-1",
            "ICESPEC_AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        }
    )


@pytest.fixture(params=["sqlite", pytest.param("glue", marks=pytest.mark.moto)])
def backend(request: pytest.FixtureRequest) -> tuple[Settings, object]:
    """(settings, catalog) on each backend; every test uses its own namespace."""
    settings = request.getfixturevalue("local_settings" if request.param == "sqlite" else "glue_settings")
    return settings, open_catalog(settings)


@pytest.fixture
def catalog(backend):
    return backend[1]


@pytest.fixture
def namespace() -> str:
    return f"t{next(_counter)}_{uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_spec(namespace: str) -> Callable[[str], TableSpec]:
    """Build a spec from the YAML body after `name`/`namespace` (the test's own namespace)."""

    def make(body: str, name: str = "items") -> TableSpec:
        return parse_spec(f"name: {name}\nnamespace: {namespace}\n{body}", filename=f"{name}.yaml")

    return make


@pytest.fixture(scope="session")
def example_specs() -> list[TableSpec]:
    return load_specs([REPO / "table-templates"])


@pytest.fixture
def sqlite_catalog(local_settings: Settings):
    return open_catalog(local_settings)
