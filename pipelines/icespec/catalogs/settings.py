"""Settings from ICESPEC_* environment variables (12-factor), validated once with clear messages.

Alert sinks read their own variables (`icespec.alerts.registry`); these are the backends' and the
quality engines'.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from icespec.backends import DEFAULT_BACKEND, backend_names, get_backend
from icespec.errors import SettingsError

BACKENDS = backend_names()
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _project_base() -> Path:
    """The project root (found like git finds its repository), or the current folder outside one."""
    from icespec.spec.project import find_root

    return find_root() or Path.cwd()


@dataclass(frozen=True)
class Settings:
    backend: str = DEFAULT_BACKEND
    lakehouse_dir: Path = field(default_factory=lambda: _project_base() / ".lakehouse")
    catalog_name: str = "icespec"
    catalog_uri: str | None = None  # local: SQLAlchemy URL of the catalog database
    catalog_schema_version: str | None = None  # local: SQL catalog tables v0 or v1 (None: as found)
    warehouse: str | None = None  # local: file:// folder; aws: s3://bucket/prefix; nessie: warehouse name
    aws_region: str | None = None
    aws_endpoint_url: str | None = None  # moto or LocalStack; None = real AWS
    aws_access_key_id: str | None = field(default=None, repr=False)
    aws_secret_access_key: str | None = field(default=None, repr=False)
    aws_session_token: str | None = field(default=None, repr=False)
    nessie_uri: str | None = None  # Nessie's Iceberg REST base, e.g. http://nessie:19120/iceberg
    nessie_branch: str = "main"
    athena_workgroup: str | None = None
    athena_results_s3: str | None = None
    trino_host: str | None = None
    trino_port: int = 8080
    trino_catalog: str | None = None
    trino_user: str | None = None
    gcp_project: str | None = None
    gcp_dataset_location: str | None = None
    bigquery_endpoint: str | None = None  # a BigQuery emulator; None = the real API
    gcp_biglake_connection: str | None = None  # "project.location.name", from terraform/gcp
    gcp_storage_uri: str | None = None  # gs://bucket/prefix of the Iceberg tables' data
    gcp_policy_tag_restricted: str | None = None  # policy tag resource names (column-level security)
    gcp_policy_tag_pii: str | None = None
    gcp_emulator: bool = False  # plain tables, no policy tags, datasets created on demand

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; raises SettingsError naming every bad or missing variable."""
        env = os.environ if env is None else env
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        def url(name: str, schemes: tuple[str, ...]) -> str | None:
            value = get(name)
            if value is not None and (urlparse(value).scheme not in schemes or not urlparse(value).netloc):
                problems.append(
                    f"{name}={value!r} is not a URL starting with {' or '.join(s + '://' for s in schemes)}"
                )
            return value

        backend = get("ICESPEC_BACKEND") or DEFAULT_BACKEND
        try:
            entry = get_backend(backend)
        except SettingsError as exc:
            problems.extend(exc.problems)
            entry = None
        lakehouse_dir = (
            Path(get("ICESPEC_LAKEHOUSE_DIR") or _project_base() / ".lakehouse").expanduser().absolute()
        )
        catalog_uri = get("ICESPEC_CATALOG_URI")
        schema_version = get("ICESPEC_CATALOG_SCHEMA_VERSION")
        if schema_version not in (None, "v0", "v1"):
            problems.append(
                f"ICESPEC_CATALOG_SCHEMA_VERSION={schema_version!r} is not v0 or v1 (v1 migrates a v0 SQL "
                "catalog by adding its iceberg_type column; unset keeps the catalog as it is)"
            )
        warehouse = get("ICESPEC_WAREHOUSE")
        region = get("ICESPEC_AWS_REGION") or get("AWS_REGION") or get("AWS_DEFAULT_REGION")
        endpoint = url("ICESPEC_AWS_ENDPOINT_URL", ("http", "https"))
        nessie_uri = url("ICESPEC_NESSIE_URI", ("http", "https"))
        trino_port_text = get("ICESPEC_TRINO_PORT") or "8080"
        trino_port = 8080
        if trino_port_text.isdigit() and 0 < int(trino_port_text) < 65536:
            trino_port = int(trino_port_text)
        else:
            problems.append(f"ICESPEC_TRINO_PORT={trino_port_text!r} is not a port number (1-65535)")
        athena_results = get("ICESPEC_ATHENA_RESULTS_S3")
        bigquery_endpoint = url("ICESPEC_BIGQUERY_ENDPOINT", ("http", "https"))
        storage_uri = get("ICESPEC_GCP_STORAGE_URI")
        if storage_uri and not storage_uri.startswith("gs://"):
            problems.append(f"ICESPEC_GCP_STORAGE_URI={storage_uri!r} must start with gs://")
        emulator_text = (get("ICESPEC_GCP_EMULATOR") or "false").lower()
        if emulator_text not in TRUE_WORDS + FALSE_WORDS:
            problems.append(f"ICESPEC_GCP_EMULATOR={emulator_text!r} is not true or false")
        emulator = emulator_text in TRUE_WORDS
        if athena_results and not athena_results.startswith("s3://"):
            problems.append(f"ICESPEC_ATHENA_RESULTS_S3={athena_results!r} must start with s3://")

        if entry is not None and entry.embedded:
            catalog_uri = catalog_uri or f"sqlite:///{lakehouse_dir / 'catalog.db'}"
            warehouse = warehouse or (lakehouse_dir / "warehouse").as_uri()
        for requirement in entry.requires if entry is not None else ():
            value = next((v for v in map(get, (requirement.variable, *requirement.aliases)) if v), None)
            if not value:
                also = f" (or {requirement.aliases[0]})" if requirement.aliases else ""
                problems.append(
                    f"{requirement.variable}{also} is required for ICESPEC_BACKEND={backend} "
                    f"(e.g. {requirement.example})"
                )
            elif requirement.schemes and not value.startswith(requirement.schemes):
                problems.append(
                    f"{requirement.variable}={value!r} must be a {' or '.join(requirement.schemes)} location "
                    f"for {backend}"
                )
        reads_emulator = entry is not None and any(f == "gcp_emulator" for f, _ in entry.variables)
        if emulator and reads_emulator and not bigquery_endpoint:
            problems.append("ICESPEC_GCP_EMULATOR=true needs ICESPEC_BIGQUERY_ENDPOINT (the emulator's URL)")
        if problems:
            raise SettingsError(problems)
        return cls(
            backend=backend,
            lakehouse_dir=lakehouse_dir,
            catalog_name=get("ICESPEC_CATALOG_NAME") or "icespec",
            catalog_uri=catalog_uri,
            catalog_schema_version=schema_version,
            warehouse=warehouse,
            aws_region=region,
            aws_endpoint_url=endpoint,
            aws_access_key_id=get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=get("AWS_SESSION_TOKEN"),
            nessie_uri=nessie_uri,
            nessie_branch=get("ICESPEC_NESSIE_BRANCH") or "main",
            athena_workgroup=get("ICESPEC_ATHENA_WORKGROUP"),
            athena_results_s3=athena_results,
            trino_host=get("ICESPEC_TRINO_HOST"),
            trino_port=trino_port,
            trino_catalog=get("ICESPEC_TRINO_CATALOG"),
            trino_user=get("ICESPEC_TRINO_USER"),
            gcp_project=get("ICESPEC_GCP_PROJECT"),
            gcp_dataset_location=get("ICESPEC_GCP_DATASET_LOCATION"),
            bigquery_endpoint=bigquery_endpoint,
            gcp_biglake_connection=get("ICESPEC_GCP_BIGLAKE_CONNECTION"),
            gcp_storage_uri=storage_uri.rstrip("/") if storage_uri else None,
            gcp_policy_tag_restricted=get("ICESPEC_GCP_POLICY_TAG_RESTRICTED"),
            gcp_policy_tag_pii=get("ICESPEC_GCP_POLICY_TAG_PII"),
            gcp_emulator=emulator,
        )
