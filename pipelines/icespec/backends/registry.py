"""The backends, by name: the one place in icespec that knows which backends exist.

Everything else asks a `Backend` what it can do (`catalog`, `quality_engine`, `embedded`, ...) and
never compares `settings.backend` with a name; `tests/test_layers.py` enforces that. A backend's
code is named here as "module:attribute" and imported only when the backend is opened, the way
pyiceberg's `load_catalog` imports a catalog's module only for the type asked for. So a backend
module may live in any layer, and adding one (a REST catalog such as Polaris, say) is one entry
here plus the module it names: see docs/extending.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from icespec.errors import BackendError, SettingsError

DEFAULT_BACKEND = "local"


@dataclass(frozen=True)
class Requirement:
    """A variable the backend cannot work without, with an example value for the error message."""

    variable: str
    example: str
    schemes: tuple[str, ...] = ()  # when set, the value must start with one of them
    aliases: tuple[str, ...] = ()  # other variables that count too (AWS_REGION for every AWS client)


@dataclass(frozen=True)
class Backend:
    name: str
    summary: str
    lakehouse: str  # "module:factory(settings, catalog=None, read_only=False)" opening its tables
    quality_engine: str  # the Soda data source type that scans its tables where they live
    table_kind: str  # the Dagster kind of its table assets, beside "iceberg"
    catalog: str | None = (
        None  # "module:function(settings) -> pyiceberg catalog properties"; None: not pyiceberg
    )
    open_catalog: str | None = (
        None  # "module:function(settings) -> Catalog" when opening needs more than load_catalog
    )
    governance: str | None = None  # "module:factory(settings)": the access-control step run after each commit
    embedded: bool = False  # all in files on this machine: created on first write, absent until then
    variables: tuple[tuple[str, str], ...] = ()  # (Settings field, ICESPEC_* variable) it is configured by
    requires: tuple[Requirement, ...] = ()
    terraform_catalog_type: str | None = None  # `catalog_type` output of terraform/aws naming this backend
    terraform_outputs: Mapping[str, str] = field(default_factory=dict)  # ICESPEC_* variable → output

    @property
    def is_pyiceberg_catalog(self) -> bool:
        return self.catalog is not None

    def hook(self, name: str) -> Any:
        """The function or class one of the entry's "module:attribute" fields names, imported now."""
        target = getattr(self, name)
        if target is None:
            raise BackendError(f"backend {self.name!r} has no {name}")
        return load_attribute(target)


def load_attribute(target: str) -> Any:
    """The object "module:attribute" names, importing the module now (the registries' hooks)."""
    module, _, attributes = target.partition(":")
    value: Any = importlib.import_module(module)
    for attribute in attributes.split("."):
        value = getattr(value, attribute)
    return value


_AWS = (("aws_region", "ICESPEC_AWS_REGION"), ("aws_endpoint_url", "ICESPEC_AWS_ENDPOINT_URL"))

BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(
            "local",
            "pyiceberg's SQL catalog (SQLite by default, any SQLAlchemy URL) and a file:// warehouse",
            lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
            quality_engine="duckdb",
            table_kind="pyarrow",
            catalog="icespec.catalogs:sql_catalog_properties",
            embedded=True,
            variables=(
                ("lakehouse_dir", "ICESPEC_LAKEHOUSE_DIR"),
                ("catalog_uri", "ICESPEC_CATALOG_URI"),
                ("warehouse", "ICESPEC_WAREHOUSE"),
            ),
        ),
        Backend(
            "aws-glue",
            "AWS Glue Data Catalog and S3; Lake Formation column tags; quality on Athena",
            lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
            quality_engine="athena",
            table_kind="pyarrow",
            catalog="icespec.catalogs:glue_catalog_properties",
            governance="icespec.tables.governance:LakeFormationColumnTags",
            variables=(("warehouse", "ICESPEC_WAREHOUSE"), *_AWS),
            requires=(
                Requirement("ICESPEC_WAREHOUSE", "s3://bucket/warehouse", ("s3://", "s3a://")),
                Requirement("ICESPEC_AWS_REGION", "eu-west-1", aliases=("AWS_REGION", "AWS_DEFAULT_REGION")),
            ),
            terraform_catalog_type="glue",
            terraform_outputs={
                "ICESPEC_WAREHOUSE": "warehouse_uri",
                "ICESPEC_ATHENA_WORKGROUP": "athena_workgroup",
                "ICESPEC_ATHENA_RESULTS_S3": "athena_results_s3",
            },
        ),
        Backend(
            "aws-nessie",
            "Project Nessie's Iceberg REST catalog (one branch) and S3; quality on Trino",
            lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
            quality_engine="trino",
            table_kind="pyarrow",
            catalog="icespec.catalogs:nessie_catalog_properties",
            open_catalog="icespec.catalogs:open_nessie_catalog",
            variables=(
                ("nessie_uri", "ICESPEC_NESSIE_URI"),
                ("nessie_branch", "ICESPEC_NESSIE_BRANCH"),
                ("warehouse", "ICESPEC_WAREHOUSE"),
                *_AWS,
            ),
            requires=(Requirement("ICESPEC_NESSIE_URI", "http://nessie:19120/iceberg"),),
            terraform_catalog_type="nessie",
            terraform_outputs={
                "ICESPEC_NESSIE_URI": "catalog_uri",
                "ICESPEC_NESSIE_BRANCH": "nessie_branch",
                "ICESPEC_WAREHOUSE": "nessie_warehouse",
                "ICESPEC_TRINO_CATALOG": "trino_catalog",
            },
        ),
        Backend(
            "gcp",
            "BigQuery tables for Apache Iceberg on GCS, policy tags on restricted columns; quality on BigQuery",
            lakehouse="icespec.gcp.tables:open_bigquery_tables",
            quality_engine="bigquery",
            table_kind="bigquery",
            variables=(
                ("gcp_project", "ICESPEC_GCP_PROJECT"),
                ("gcp_dataset_location", "ICESPEC_GCP_DATASET_LOCATION"),
                ("bigquery_endpoint", "ICESPEC_BIGQUERY_ENDPOINT"),
                ("gcp_biglake_connection", "ICESPEC_GCP_BIGLAKE_CONNECTION"),
                ("gcp_storage_uri", "ICESPEC_GCP_STORAGE_URI"),
                ("gcp_policy_tag_restricted", "ICESPEC_GCP_POLICY_TAG_RESTRICTED"),
                ("gcp_policy_tag_pii", "ICESPEC_GCP_POLICY_TAG_PII"),
                ("gcp_emulator", "ICESPEC_GCP_EMULATOR"),
            ),
            # What the BigQuery tables need beyond this (connection, storage, policy tags: fail
            # closed) is checked where the gcp backend opens (icespec.gcp.settings.GcpSettings),
            # so commands that only query (icespec check) run without them.
            requires=(Requirement("ICESPEC_GCP_PROJECT", "my-project"),),
        ),
    )
}


def backend_names() -> tuple[str, ...]:
    return tuple(BACKENDS)


def get_backend(name: str) -> Backend:
    """The backend called `name`; a SettingsError (a ValueError) listing the known ones otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise SettingsError(f"ICESPEC_BACKEND={name!r} is not one of {', '.join(BACKENDS)}") from None


def backend_for_terraform(catalog_type: Any) -> Backend | None:
    """The backend a terraform/aws stack with this `catalog_type` output runs."""
    return next((b for b in BACKENDS.values() if b.terraform_catalog_type == catalog_type), None)
