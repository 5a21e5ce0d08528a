"""GCP backend settings: icespec.catalogs.Settings plus what `terraform output icespec_env` exports."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from icespec.catalogs.settings import Settings, SettingsError

TRUE = ("1", "true", "yes")


@dataclass(frozen=True)
class GcpSettings:
    project: str
    location: str = "US"
    endpoint: str | None = None  # a BigQuery emulator; None = the real API with default credentials
    connection: str | None = None  # BigLake connection "project.location.name" (Iceberg tables)
    storage_uri: str | None = None  # gs://bucket/prefix; each table lives under <prefix>/<ns>/<name>/
    policy_tags: Mapping[str, str] | None = None  # "restricted"/"pii" → policy tag resource name
    emulator: bool = False  # plain tables, no policy tags, datasets created on demand

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GcpSettings:
        """Validate ICESPEC_GCP_* variables; every problem is named in one SettingsError."""
        env = os.environ if env is None else env
        base = Settings.from_env({**env, "ICESPEC_BACKEND": "gcp"})

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        emulator = (get("ICESPEC_GCP_EMULATOR") or "false").lower() in TRUE
        problems: list[str] = []
        connection = get("ICESPEC_GCP_BIGLAKE_CONNECTION")
        storage_uri = get("ICESPEC_GCP_STORAGE_URI")
        tags = {
            "restricted": get("ICESPEC_GCP_POLICY_TAG_RESTRICTED"),
            "pii": get("ICESPEC_GCP_POLICY_TAG_PII"),
        }
        if storage_uri and not storage_uri.startswith("gs://"):
            problems.append(f"ICESPEC_GCP_STORAGE_URI={storage_uri!r} must start with gs://")
        if emulator and not base.bigquery_endpoint:
            problems.append("ICESPEC_GCP_EMULATOR=true needs ICESPEC_BIGQUERY_ENDPOINT (the emulator's URL)")
        if not emulator:
            # Fail closed: without the tags a restricted column would be created readable by everyone.
            for variable, value in (
                ("ICESPEC_GCP_BIGLAKE_CONNECTION", connection),
                ("ICESPEC_GCP_STORAGE_URI", storage_uri),
                ("ICESPEC_GCP_POLICY_TAG_RESTRICTED", tags["restricted"]),
                ("ICESPEC_GCP_POLICY_TAG_PII", tags["pii"]),
            ):
                if not value:
                    problems.append(
                        f"{variable} is required for ICESPEC_BACKEND=gcp: take it from "
                        "`terraform -chdir=terraform/gcp output -json icespec_env` "
                        "(or set ICESPEC_GCP_EMULATOR=true against an emulator)"
                    )
        if problems:
            raise SettingsError(problems)
        return cls(
            project=base.gcp_project or "",
            location=base.gcp_dataset_location or "US",
            endpoint=base.bigquery_endpoint,
            connection=connection,
            storage_uri=storage_uri.rstrip("/") if storage_uri else None,
            policy_tags=None if emulator else {k: v for k, v in tags.items() if v},
            emulator=emulator,
        )
