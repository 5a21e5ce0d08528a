"""Dagster resources: the lakehouse (pyiceberg catalog or BigQuery), configured by the backends' settings models."""

import datetime as dt
import os
from functools import cached_property
from typing import Any

from dagster import ConfigurableResource, EnvVar
from pydantic import Field, PrivateAttr, create_model

from icespec.backends import BACKENDS, DEFAULT_BACKEND, get_backend
from icespec.catalogs import Settings, open_catalog
from icespec.environment import AtLeastOne, CalendarDay, EnvironmentSettings, Variable
from icespec.tables.backend import Lakehouse, open_lakehouse


class ScheduleSettings(EnvironmentSettings):
    """When the Dagster code location's partitions start and how often the drift sensor looks."""

    partitions_start: CalendarDay = Field(
        dt.date(2024, 1, 1), description="first day of the daily partitions"
    )
    drift_interval_seconds: AtLeastOne = Field(3600, description="seconds between drift sensor runs")


def backend_variables(backend: str) -> list[Variable]:
    """The ICESPEC_* variables of a backend's model, but ICESPEC_BACKEND (the resource's own field).
    Variables of other names (AWS_ACCESS_KEY_ID, ...) stay in the process environment."""
    return [v for v in get_backend(backend).settings_model().icespec_variables() if v.field != "backend"]


class _LakehouseConfig(ConfigurableResource):
    """Opens the lakehouse of one backend (`icespec.tables.backend`). Its other fields, one per variable of
    the backends' settings models, override the environment; secrets are bound as `EnvVar`."""

    backend: str = DEFAULT_BACKEND

    _catalog = PrivateAttr(default=None)
    _lakehouse = PrivateAttr(default=None)

    @cached_property
    def settings(self) -> Settings:
        env = dict(os.environ)
        env["ICESPEC_BACKEND"] = self.backend
        for variable in backend_variables(self.backend):
            value = getattr(self, variable.field, None)
            if value:
                env[variable.name] = value
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


# One optional text field per variable of any backend's model, so a backend's new setting reaches
# Dagster without a change here. Text, as in the environment ("true" for a flag). A field name means
# one variable in every model (tests/core/test_variables.py).
RESOURCE_FIELDS: dict[str, Variable] = {v.field: v for name in BACKENDS for v in backend_variables(name)}
LakehouseResource = create_model(
    "LakehouseResource",
    __base__=_LakehouseConfig,
    __doc__=_LakehouseConfig.__doc__,
    **{field: (str | None, None) for field in sorted(RESOURCE_FIELDS)},
)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lakehouse_resource(settings: Settings) -> LakehouseResource:
    """The resource for the configured backend: a variable set in the environment is bound as `EnvVar`
    (so a secret's value never enters the run's config); values that are the settings' own (defaults
    derived from the project, like the lakehouse folder) are written out."""
    config: dict[str, object] = {"backend": settings.backend}
    for variable in backend_variables(settings.backend):
        if variable.field not in LakehouseResource.model_fields:
            continue  # a backend registered after import: its settings come from the environment
        if os.environ.get(variable.name):
            config[variable.field] = EnvVar(variable.name)
        elif not variable.secret:
            value = _text(getattr(settings, variable.field, None))
            if value is not None and value != variable.default:
                config[variable.field] = value
    return LakehouseResource(**config)
