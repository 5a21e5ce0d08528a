"""GCP backend settings: the gcp backend's model, read by `Settings.from_env` like every backend's.

Reading the model checks each variable's form. What creating BigQuery tables needs beyond the
project (the BigLake connection, the storage URI and both policy tags) is checked when the backend
opens (`require_table_settings`), so commands that only query (`icespec check`) run without them:
without them a restricted column would be created readable by everyone, so the backend refuses to
open (fail closed) unless it talks to an emulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from icespec.catalogs.settings import Settings, settings_as
from icespec.environment import Flag, HttpUrl, location_of
from icespec.errors import SettingsError

REQUIRED_OUTSIDE_EMULATOR = (
    ("ICESPEC_GCP_BIGLAKE_CONNECTION", "gcp_biglake_connection"),
    ("ICESPEC_GCP_STORAGE_URI", "gcp_storage_uri"),
    ("ICESPEC_GCP_POLICY_TAG_RESTRICTED", "gcp_policy_tag_restricted"),
    ("ICESPEC_GCP_POLICY_TAG_PII", "gcp_policy_tag_pii"),
)


def _without_trailing_slash(value: str) -> str:
    return value.rstrip("/")


class GcpSettings(Settings):
    """BigQuery tables for Apache Iceberg on GCS; quality on BigQuery."""

    gcp_project: str = Field(description="the GCP project of the BigQuery datasets", examples=["my-project"])
    gcp_dataset_location: str | None = Field(
        None, description="location of datasets icespec creates (EU, US, ...)"
    )
    bigquery_endpoint: HttpUrl | None = Field(
        None, description="a BigQuery emulator's URL; unset for the real API"
    )
    gcp_biglake_connection: str | None = Field(
        None, description="BigLake connection `project.location.name` (terraform/gcp output)"
    )
    gcp_storage_uri: (
        Annotated[str, AfterValidator(location_of("gs://")), AfterValidator(_without_trailing_slash)] | None
    ) = Field(None, description="gs://bucket/prefix of the Iceberg tables' data")
    gcp_policy_tag_restricted: str | None = Field(
        None, description="policy tag resource name for restricted columns"
    )
    gcp_policy_tag_pii: str | None = Field(None, description="policy tag resource name for pii columns")
    gcp_emulator: Flag = Field(False, description="true against an emulator: plain tables, no policy tags")

    @model_validator(mode="after")
    def _emulator_has_an_endpoint(self) -> Self:
        if self.gcp_emulator and not self.bigquery_endpoint:
            raise ValueError("ICESPEC_GCP_EMULATOR=true needs ICESPEC_BIGQUERY_ENDPOINT (the emulator's URL)")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The gcp settings of `env` (the process environment when None) whatever ICESPEC_BACKEND
        says, checked for creating tables (`require_table_settings`)."""
        import os

        env = os.environ if env is None else env
        settings = cls.read({**env, "ICESPEC_BACKEND": "gcp"}, needed_for="ICESPEC_BACKEND=gcp")
        return settings.require_table_settings()

    @classmethod
    def from_settings(cls, settings: Settings) -> GcpSettings:
        """The gcp model the registry read, checked for creating tables."""
        return settings_as(settings, GcpSettings, "the BigQuery backend").require_table_settings()

    @property
    def scan_in_process(self) -> bool:
        # bqemulator cannot run Soda's BigQuery SQL (docs/gcp.md): rows are checked in DuckDB.
        return self.gcp_emulator

    @property
    def dataset_location(self) -> str:
        return self.gcp_dataset_location or "US"

    @property
    def policy_tags(self) -> Mapping[str, str] | None:
        """ "restricted"/"pii" → policy tag resource name; None against an emulator (plain tables)."""
        if self.gcp_emulator:
            return None
        tags = {"restricted": self.gcp_policy_tag_restricted, "pii": self.gcp_policy_tag_pii}
        return {k: v for k, v in tags.items() if v}

    def require_table_settings(self) -> Self:
        """These settings, if they can create tables safely; a SettingsError naming what is missing."""
        if self.gcp_emulator:
            return self
        missing = [
            variable for variable, attribute in REQUIRED_OUTSIDE_EMULATOR if not getattr(self, attribute)
        ]
        if missing:
            raise SettingsError(
                [
                    f"{variable} is required for ICESPEC_BACKEND=gcp: take it from "
                    "`terraform -chdir=terraform/gcp output -json icespec_env` "
                    "(or set ICESPEC_GCP_EMULATOR=true against an emulator)"
                    for variable in missing
                ]
            )
        return self
