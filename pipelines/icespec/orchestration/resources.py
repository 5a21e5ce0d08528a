"""Dagster resources: the lakehouse catalog, configured per backend from ICESPEC_* variables."""

import os
from functools import cached_property

from dagster import ConfigurableResource, EnvVar
from pydantic import PrivateAttr

from icespec.catalogs import Settings, open_catalog

# Which settings each backend reads, as (resource field, environment variable).
BACKEND_FIELDS = {
    "local": (("lakehouse_dir", "ICESPEC_LAKEHOUSE_DIR"), ("catalog_uri", "ICESPEC_CATALOG_URI"),
              ("warehouse", "ICESPEC_WAREHOUSE")),
    "aws-glue": (("warehouse", "ICESPEC_WAREHOUSE"), ("aws_region", "ICESPEC_AWS_REGION"),
                 ("aws_endpoint_url", "ICESPEC_AWS_ENDPOINT_URL")),
    "aws-nessie": (("nessie_uri", "ICESPEC_NESSIE_URI"), ("nessie_branch", "ICESPEC_NESSIE_BRANCH"),
                   ("warehouse", "ICESPEC_WAREHOUSE"), ("aws_region", "ICESPEC_AWS_REGION"),
                   ("aws_endpoint_url", "ICESPEC_AWS_ENDPOINT_URL")),
}  # fmt: skip


class LakehouseResource(ConfigurableResource):
    """Opens the pyiceberg catalog of one backend; credentials stay in the process environment."""

    backend: str = "local"
    lakehouse_dir: str | None = None
    catalog_uri: str | None = None
    warehouse: str | None = None
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    nessie_uri: str | None = None
    nessie_branch: str | None = None

    _catalog = PrivateAttr(default=None)

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
        if self._catalog is None:
            self._catalog = open_catalog(self.settings)
        return self._catalog


def lakehouse_resource(settings: Settings) -> LakehouseResource:
    """The resource for the configured backend: values set in the environment appear as EnvVar."""
    config: dict[str, object] = {"backend": settings.backend}
    for field_name, variable in BACKEND_FIELDS.get(settings.backend, ()):
        if os.environ.get(variable):
            config[field_name] = EnvVar(variable)
        elif field_name == "lakehouse_dir":
            config[field_name] = str(settings.lakehouse_dir)
        elif getattr(settings, field_name, None):
            config[field_name] = getattr(settings, field_name)
    return LakehouseResource(**config)
