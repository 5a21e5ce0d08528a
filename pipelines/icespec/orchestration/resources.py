"""Dagster resources: the lakehouse (pyiceberg catalog or BigQuery), configured per backend from ICESPEC_* variables."""

import os
from functools import cached_property

from dagster import ConfigurableResource, EnvVar
from pydantic import PrivateAttr

from icespec.backends import BACKENDS, DEFAULT_BACKEND, get_backend
from icespec.catalogs import Settings, open_catalog
from icespec.tables.backend import Lakehouse, open_lakehouse

# Which settings each backend reads, as (resource field, environment variable): from the registry.
BACKEND_FIELDS = {name: backend.variables for name, backend in BACKENDS.items()}


class LakehouseResource(ConfigurableResource):
    """Opens the lakehouse of one backend (`icespec.tables.backend`); credentials stay in the process
    environment."""

    backend: str = DEFAULT_BACKEND
    lakehouse_dir: str | None = None
    catalog_uri: str | None = None
    warehouse: str | None = None
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    nessie_uri: str | None = None
    nessie_branch: str | None = None
    gcp_project: str | None = None
    gcp_dataset_location: str | None = None
    bigquery_endpoint: str | None = None
    gcp_biglake_connection: str | None = None
    gcp_storage_uri: str | None = None
    gcp_policy_tag_restricted: str | None = None
    gcp_policy_tag_pii: str | None = None
    gcp_emulator: str | None = None  # "true" against an emulator

    _catalog = PrivateAttr(default=None)
    _lakehouse = PrivateAttr(default=None)

    @cached_property
    def settings(self) -> Settings:
        env = dict(os.environ)
        env["ICESPEC_BACKEND"] = self.backend
        for field_name, variable in (pair for pairs in BACKEND_FIELDS.values() for pair in pairs):
            value = getattr(self, field_name)
            if value:
                env[variable] = value
        return Settings.from_env(env)

    def catalog(self):
        """The pyiceberg catalog (backends whose registry entry has one)."""
        if self._catalog is None:
            self._catalog = open_catalog(self.settings)
        return self._catalog

    def lakehouse(self) -> Lakehouse:
        """plan/apply/write/read on whichever backend the settings name."""
        if self._lakehouse is None:
            self._lakehouse = open_lakehouse(self.settings)
        return self._lakehouse


def lakehouse_resource(settings: Settings) -> LakehouseResource:
    """The resource for the configured backend: values set in the environment appear as EnvVar."""
    config: dict[str, object] = {"backend": settings.backend}
    for field_name, variable in get_backend(settings.backend).variables:
        if os.environ.get(variable):
            config[field_name] = EnvVar(variable)
        elif field_name == "lakehouse_dir":
            config[field_name] = str(settings.lakehouse_dir)
        elif getattr(settings, field_name, None):
            value = getattr(settings, field_name)
            config[field_name] = "true" if value is True else value  # gcp_emulator is a flag
    return LakehouseResource(**config)
