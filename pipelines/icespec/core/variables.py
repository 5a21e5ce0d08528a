"""Every ICESPEC_* environment variable icespec reads, documented once.

The README's table is generated from this list (`python -m icespec.core.variables`), and
`tests/core/test_variables.py` fails when the package reads a variable that is not here, when one
here is read nowhere, or when the README's table is stale. Which backends a variable configures
comes from the backend registry; the alert sinks' variables are checked against the sink registry by the test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    default: str = ""  # as a user would read it; "" when unset means "not used"
    secret: bool = False
    scope: str = ""  # what it configures when no backend lists it (e.g. "alerts: slack"); "" means all


VARIABLES: tuple[Variable, ...] = (
    # -- where things are ---------------------------------------------------------------------
    Variable("ICESPEC_TEMPLATES", "folder (or file) of table templates", "table-templates/ of the project root"),
    Variable("ICESPEC_SODA_CHECKS", "folder of hand-written SodaCL (`<table>.yaml`)", "quality/soda_checks of the project root"),
    # -- which backend ------------------------------------------------------------------------
    Variable("ICESPEC_BACKEND", "the backend: see the backend registry (`icespec/backends/registry.py`)", "local"),
    Variable("ICESPEC_LAKEHOUSE_DIR", "folder of the embedded lakehouse (SQLite catalog and warehouse)", ".lakehouse of the project root"),
    Variable("ICESPEC_CATALOG_NAME", "the pyiceberg catalog name", "icespec"),
    Variable("ICESPEC_CATALOG_URI", "SQLAlchemy URL of the SQL catalog (SQLite, PostgreSQL, ...)", "sqlite:///<lakehouse>/catalog.db"),
    Variable("ICESPEC_CATALOG_SCHEMA_VERSION", "SQL catalog tables: v1 migrates a v0 catalog; unset keeps it as found", scope="local"),
    Variable("ICESPEC_WAREHOUSE", "warehouse: file:// folder, s3://bucket/prefix, or Nessie's warehouse name", "<lakehouse>/warehouse (local)"),
    Variable("ICESPEC_AWS_REGION", "AWS region (AWS_REGION and AWS_DEFAULT_REGION count too)"),
    Variable("ICESPEC_AWS_ENDPOINT_URL", "an AWS emulator (moto, LocalStack); unset for real AWS"),
    Variable("ICESPEC_NESSIE_URI", "Nessie's Iceberg REST base, without the branch (http://nessie:19120/iceberg)"),
    Variable("ICESPEC_NESSIE_BRANCH", "the Nessie branch tables live on", "main"),
    Variable("ICESPEC_GCP_PROJECT", "the GCP project of the BigQuery datasets"),
    Variable("ICESPEC_GCP_DATASET_LOCATION", "location of datasets icespec creates (EU, US, ...)"),
    Variable("ICESPEC_BIGQUERY_ENDPOINT", "a BigQuery emulator's URL; unset for the real API"),
    Variable("ICESPEC_GCP_BIGLAKE_CONNECTION", "BigLake connection `project.location.name` (terraform/gcp output)"),
    Variable("ICESPEC_GCP_STORAGE_URI", "gs://bucket/prefix of the Iceberg tables' data"),
    Variable("ICESPEC_GCP_POLICY_TAG_RESTRICTED", "policy tag resource name for restricted columns"),
    Variable("ICESPEC_GCP_POLICY_TAG_PII", "policy tag resource name for pii columns"),
    Variable("ICESPEC_GCP_EMULATOR", "true against an emulator: plain tables, no policy tags", "false"),
    # -- quality engines ----------------------------------------------------------------------
    Variable("ICESPEC_ATHENA_WORKGROUP", "Athena workgroup of the quality scans", scope="quality on Athena"),
    Variable("ICESPEC_ATHENA_RESULTS_S3", "s3:// location of Athena's query results", scope="quality on Athena"),
    Variable("ICESPEC_TRINO_HOST", "Trino host of the quality scans", scope="quality on Trino"),
    Variable("ICESPEC_TRINO_PORT", "Trino port (443 and 8443 mean https)", "8080", scope="quality on Trino"),
    Variable("ICESPEC_TRINO_CATALOG", "Trino catalog holding the Iceberg tables", scope="quality on Trino"),
    Variable("ICESPEC_TRINO_USER", "Trino user", "icespec", scope="quality on Trino"),
    # -- alerts -------------------------------------------------------------------------------
    Variable("ICESPEC_SLACK_WEBHOOK_URL", "Slack incoming webhook for alerts", secret=True, scope="alerts: slack"),
    Variable("ICESPEC_SLACK_BOT_TOKEN", "Slack bot token for alerts (with ICESPEC_SLACK_CHANNEL)", secret=True, scope="alerts: slack"),
    Variable("ICESPEC_SLACK_CHANNEL", "Slack channel the bot posts to", scope="alerts: slack"),
    Variable("ICESPEC_SNS_TOPIC_ARN", "SNS topic for alerts (terraform/aws output)", scope="alerts: sns"),
    # -- Dagster and drift --------------------------------------------------------------------
    Variable("ICESPEC_PARTITIONS_START", "first day of the daily partitions", "2024-01-01"),
    Variable("ICESPEC_DRIFT_INTERVAL_SECONDS", "seconds between drift sensor runs", "3600"),
    Variable("ICESPEC_DRIFT_CONCURRENCY", "tables the drift check loads at once", "8"),
    # -- debugging ----------------------------------------------------------------------------
    Variable("ICESPEC_DEBUG", "1: the CLI shows the traceback of an unexpected error"),
)  # fmt: skip


def scopes(name: str) -> str:
    """Which backends a variable configures (from the backend registry), or its own scope."""
    from icespec.backends import BACKENDS

    backends = [
        b.name
        for b in BACKENDS.values()
        if name in {v for _, v in b.variables} | {r.variable for r in b.requires}
    ]
    if backends:
        return ", ".join(backends)
    variable = next(v for v in VARIABLES if v.name == name)
    return variable.scope or "all"


def markdown_table() -> str:
    lines = ["| variable | for | default | what |", "|---|---|---|---|"]
    for variable in VARIABLES:
        what = variable.description + (
            " (secret: bound as Dagster `EnvVar`, never logged)" if variable.secret else ""
        )
        default = f"`{variable.default}`" if variable.default else ""
        lines.append(f"| `{variable.name}` | {scopes(variable.name)} | {default} | {what} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m icespec.core.variables > the README's table
    sys.stdout.write(markdown_table())
