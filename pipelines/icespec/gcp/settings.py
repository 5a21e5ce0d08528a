"""GCP backend settings: the gcp part of `icespec.catalogs.Settings`, checked for what BigQuery needs.

`Settings.from_env` is the one place that reads ICESPEC_* variables (and checks their form);
`GcpSettings.from_settings` derives this view from it and adds the backend's own requirement:
without the BigLake connection, the storage URI and both policy tags a restricted column would be
created readable by everyone, so the backend refuses to open (fail closed) unless it talks to an
emulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from icespec.catalogs.settings import Settings
from icespec.errors import SettingsError

REQUIRED_OUTSIDE_EMULATOR = (
    ("ICESPEC_GCP_BIGLAKE_CONNECTION", "gcp_biglake_connection"),
    ("ICESPEC_GCP_STORAGE_URI", "gcp_storage_uri"),
    ("ICESPEC_GCP_POLICY_TAG_RESTRICTED", "gcp_policy_tag_restricted"),
    ("ICESPEC_GCP_POLICY_TAG_PII", "gcp_policy_tag_pii"),
)


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
    def from_settings(cls, settings: Settings) -> GcpSettings:
        """The gcp view of validated Settings; a SettingsError names every variable still missing."""
        problems: list[str] = []
        if not settings.gcp_project:
            problems.append("ICESPEC_GCP_PROJECT is required for ICESPEC_BACKEND=gcp")
        if settings.gcp_emulator and not settings.bigquery_endpoint:
            problems.append("ICESPEC_GCP_EMULATOR=true needs ICESPEC_BIGQUERY_ENDPOINT (the emulator's URL)")
        if not settings.gcp_emulator:
            for variable, attribute in REQUIRED_OUTSIDE_EMULATOR:
                if not getattr(settings, attribute):
                    problems.append(
                        f"{variable} is required for ICESPEC_BACKEND=gcp: take it from "
                        "`terraform -chdir=terraform/gcp output -json icespec_env` "
                        "(or set ICESPEC_GCP_EMULATOR=true against an emulator)"
                    )
        if problems:
            raise SettingsError(problems)
        tags = {"restricted": settings.gcp_policy_tag_restricted, "pii": settings.gcp_policy_tag_pii}
        return cls(
            project=settings.gcp_project or "",
            location=settings.gcp_dataset_location or "US",
            endpoint=settings.bigquery_endpoint,
            connection=settings.gcp_biglake_connection,
            storage_uri=settings.gcp_storage_uri,
            policy_tags=None if settings.gcp_emulator else {k: v for k, v in tags.items() if v},
            emulator=settings.gcp_emulator,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GcpSettings:
        """`from_settings(Settings.from_env(env))` with the backend forced to gcp."""
        import os

        env = os.environ if env is None else env
        return cls.from_settings(Settings.from_env({**env, "ICESPEC_BACKEND": "gcp"}))
