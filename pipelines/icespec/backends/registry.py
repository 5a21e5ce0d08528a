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

from icespec.environment import EnvironmentSettings
from icespec.errors import BackendError, SettingsError

DEFAULT_BACKEND = "local"

NESSIE_GC = (
    "Nessie's garbage collector owns snapshot expiry and file deletion: one snapshot may be reachable "
    "from several Nessie branches and only Nessie knows which still reach a file; run nessie-gc "
    "(https://projectnessie.org/nessie-latest/gc/)"
)


@dataclass(frozen=True)
class Backend:
    name: str
    summary: str
    settings: str  # "module:Model": the pydantic-settings model it is configured by (icespec.environment)
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
    terraform_catalog_type: str | None = None  # `catalog_type` output of terraform/aws naming this backend
    terraform_outputs: Mapping[str, str] = field(default_factory=dict)  # ICESPEC_* variable → output
    # `icespec maintain`: steps this backend leaves to something else, and why (step → reason)
    maintenance_skips: Mapping[str, str] = field(default_factory=dict)
    # template `maintenance.engine` values this backend hands to the cloud, and what does the work
    maintenance_engines: Mapping[str, str] = field(default_factory=dict)

    def settings_model(self) -> type[EnvironmentSettings]:
        """The settings model class (a `icespec.catalogs.settings.Settings`), imported now."""
        model: type[EnvironmentSettings] = self.hook("settings")
        return model

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


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(
            "local",
            "pyiceberg's SQL catalog (SQLite by default, any SQLAlchemy URL) and a file:// warehouse",
            settings="icespec.catalogs.settings:LocalSettings",
            lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
            quality_engine="duckdb",
            table_kind="pyarrow",
            catalog="icespec.catalogs:sql_catalog_properties",
            embedded=True,
        ),
        Backend(
            "aws-glue",
            "AWS Glue Data Catalog and S3; Lake Formation column tags; quality on Athena",
            settings="icespec.catalogs.settings:GlueSettings",
            lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
            quality_engine="athena",
            table_kind="pyarrow",
            catalog="icespec.catalogs:glue_catalog_properties",
            governance="icespec.tables.governance:LakeFormationColumnTags",
            terraform_catalog_type="glue",
            maintenance_engines={
                "glue": "AWS Glue table optimizers maintain this table (maintenance.engine: glue; "
                "Terraform renders its aws_glue_catalog_table_optimizer resources)",
            },
            terraform_outputs={
                "ICESPEC_WAREHOUSE": "warehouse_uri",
                "ICESPEC_ATHENA_WORKGROUP": "athena_workgroup",
                "ICESPEC_ATHENA_RESULTS_S3": "athena_results_s3",
            },
        ),
        Backend(
            "aws-nessie",
            "Project Nessie's Iceberg REST catalog (one branch) and S3; quality on Trino",
            settings="icespec.catalogs.settings:NessieSettings",
            lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
            quality_engine="trino",
            table_kind="pyarrow",
            catalog="icespec.catalogs:nessie_catalog_properties",
            open_catalog="icespec.catalogs:open_nessie_catalog",
            terraform_catalog_type="nessie",
            maintenance_skips=dict.fromkeys(("expire", "unreferenced", "orphans"), NESSIE_GC),
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
            settings="icespec.gcp.settings:GcpSettings",
            lakehouse="icespec.gcp.tables:open_bigquery_tables",
            quality_engine="bigquery",
            table_kind="bigquery",
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
