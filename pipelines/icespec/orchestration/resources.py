"""Dagster resources: the lakehouse (pyiceberg catalog or BigQuery), configured per backend from ICESPEC_* variables."""

import os
from functools import cached_property

from dagster import ConfigurableResource, EnvVar
from pydantic import PrivateAttr, create_model

from icespec.backends import BACKENDS, DEFAULT_BACKEND, get_backend
from icespec.catalogs import Settings, open_catalog
from icespec.tables.backend import Lakehouse, open_lakehouse

# Which settings each backend reads, as (resource field, environment variable): from the registry.
BACKEND_FIELDS = {name: backend.variables for name, backend in BACKENDS.items()}


class _LakehouseConfig(ConfigurableResource):
    """Opens the lakehouse of one backend (`icespec.tables.backend`); credentials stay in the process
    environment. Its other fields, one per setting a backend reads, come from the registry."""

    backend: str = DEFAULT_BACKEND

    _catalog = PrivateAttr(default=None)
    _lakehouse = PrivateAttr(default=None)

    @cached_property
    def settings(self) -> Settings:
        env = dict(os.environ)
        env["ICESPEC_BACKEND"] = self.backend
        for field_name, variable in get_backend(self.backend).variables:
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


# One optional text field per (Settings field, variable) any backend's registry entry lists, so a
# backend's new setting reaches Dagster without a change here ("true" for the gcp emulator flag).
RESOURCE_FIELDS = sorted({field for pairs in BACKEND_FIELDS.values() for field, _ in pairs})
LakehouseResource = create_model(
    "LakehouseResource",
    __base__=_LakehouseConfig,
    __doc__=_LakehouseConfig.__doc__,
    **{field: (str | None, None) for field in RESOURCE_FIELDS},
)


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
