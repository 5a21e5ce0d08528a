"""The Soda data source configuration, generated from icespec Settings (no hand-made configuration.yaml).

One data source per table scan, named `icespec_<namespace>`, whose default schema/dataset is the
table's namespace, so SodaCL can say `checks for <table>`. Credentials are never written into it:
Athena uses boto3's chain, BigQuery application default credentials, Trino the configured user.
Restricted and pii columns are excluded from failed-row samples here (Soda never selects them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from icespec.catalogs.settings import AthenaSettings, AwsSettings, TrinoSettings, settings_as
from icespec.gcp.settings import GcpSettings
from icespec.quality.dialects import ATHENA, BIGQUERY, TRINO, Dialect, engine_dialect
from icespec.quality.sodacl import QualityConfigError
from icespec.spec import TableSpec

if TYPE_CHECKING:
    from icespec.catalogs.settings import Settings


@dataclass(frozen=True)
class SodaDataSource:
    name: str
    dialect: Dialect
    properties: dict[str, Any]

    def to_yaml(self) -> str:
        return yaml.safe_dump({f"data_source {self.name}": self.properties}, sort_keys=False)


def sample_allowed_columns(spec: TableSpec) -> list[str]:
    """Top-level columns a failed-row sample may show: nothing restricted or pii anywhere inside them."""
    return [c.name for c in spec.columns if c.effective_access_level != "restricted" and not c.effective_pii]


def sample_excluded_columns(spec: TableSpec) -> list[str]:
    allowed = set(sample_allowed_columns(spec))
    return [c.name for c in spec.columns if c.name not in allowed]


def data_source_name(spec: TableSpec) -> str:
    return f"icespec_{spec.namespace}"


def _require(value: Any, variable: str, backend: str, example: str) -> Any:
    if value in (None, ""):
        raise QualityConfigError(
            f"{variable} is required to run quality checks on ICESPEC_BACKEND={backend} (e.g. {variable}={example})"
        )
    return value


def soda_data_source(spec: TableSpec, settings: Settings | None = None) -> SodaDataSource:
    """The data source for scanning `spec` on the settings' backend (None: local, DuckDB in process)."""
    dialect = engine_dialect(settings)
    backend = settings.backend if settings is not None else ""
    properties: dict[str, Any] = {"type": dialect.name}
    if dialect is ATHENA:
        athena = settings_as(settings, AthenaSettings, "quality on Athena", QualityConfigError)
        settings = settings_as(athena, AwsSettings, "quality on Athena", QualityConfigError)
        if not (settings.athena_results_s3 or settings.athena_workgroup):
            raise QualityConfigError(
                "ICESPEC_ATHENA_RESULTS_S3 or ICESPEC_ATHENA_WORKGROUP (with an output location) is required to run "
                f"quality checks on ICESPEC_BACKEND={backend}; take them from `terraform output -json`"
            )
        properties["region_name"] = _require(settings.aws_region, "ICESPEC_AWS_REGION", backend, "eu-west-1")
        if settings.athena_results_s3:
            properties["staging_dir"] = settings.athena_results_s3
        if settings.athena_workgroup:
            properties["work_group"] = settings.athena_workgroup
        properties["catalog"] = "AwsDataCatalog"
        properties["schema"] = spec.namespace
    elif dialect is TRINO:
        settings = settings_as(settings, TrinoSettings, "quality on Trino", QualityConfigError)
        properties["host"] = _require(settings.trino_host, "ICESPEC_TRINO_HOST", backend, "trino.internal")
        properties["port"] = settings.trino_port
        # Settings carry no scheme: the TLS ports mean https, anything else (8080) plain http.
        properties["http_scheme"] = "https" if settings.trino_port in (443, 8443) else "http"
        properties["catalog"] = _require(settings.trino_catalog, "ICESPEC_TRINO_CATALOG", backend, "iceberg")
        properties["schema"] = spec.namespace
        properties["username"] = settings.trino_user or "icespec"
    elif dialect is BIGQUERY:
        settings = settings_as(settings, GcpSettings, "quality on BigQuery", QualityConfigError)
        properties["project_id"] = _require(
            settings.gcp_project, "ICESPEC_GCP_PROJECT", backend, "my-project"
        )
        properties["dataset"] = spec.namespace
        properties["use_context_auth"] = True
        if settings.gcp_dataset_location:
            properties["location"] = settings.gcp_dataset_location
        if settings.bigquery_endpoint:
            properties["client_options"] = {"api_endpoint": settings.bigquery_endpoint}
    excluded = sample_excluded_columns(spec)
    if excluded:
        properties["sampler"] = {"exclude_columns": {spec.name: excluded}}
    return SodaDataSource(data_source_name(spec), dialect, properties)
