"""Every error icespec raises on purpose has one root, so the CLI and Dagster handle them all alike."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import icespec
from icespec.errors import BackendError, IcespecError, PlanError, SettingsError, SpecError, WriteError


def package_exceptions() -> dict[str, type[BaseException]]:
    found = {}
    for module_info in pkgutil.walk_packages(icespec.__path__, "icespec."):
        if module_info.name in ("icespec.definitions", "icespec.__main__"):
            continue  # the first loads the project's Definitions; the second runs the CLI
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and not issubclass(value, Warning)
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_public_exception_is_an_icespec_error():
    exceptions = package_exceptions()
    assert len(exceptions) >= 15, sorted(exceptions)  # the walk found the package's own errors
    strays = sorted(name for name, cls in exceptions.items() if not issubclass(cls, IcespecError))
    assert not strays, f"derive these from a family in icespec.errors: {strays}"


@pytest.mark.parametrize(
    ("qualified", "family"),
    [
        ("icespec.tables.apply.ApplyError", PlanError),
        ("icespec.tables.files.InputFileError", WriteError),
        ("icespec.tables.filters.RowFilterError", WriteError),
        ("icespec.gcp.arrow.UnwritableData", WriteError),
        ("icespec.gcp.backend.GcpBackendError", BackendError),
        ("icespec.governance.lakeformation.GovernanceError", BackendError),
        ("icespec.catalogs.CatalogMissing", BackendError),
        ("icespec.tables.backend.SnapshotNotFound", BackendError),
        ("icespec.quality.sodacl.QualityConfigError", SettingsError),
        ("icespec.alerts.delivery.AlertConfigError", SettingsError),
        ("icespec.spec.project.ProjectError", SettingsError),
        ("icespec.gcp.schema.UnsupportedOnBigQuery", SpecError),
    ],
)
def test_each_error_is_in_its_family(qualified: str, family: type[Exception]):
    module, name = qualified.rsplit(".", 1)
    assert issubclass(getattr(importlib.import_module(module), name), family)


def test_builtin_bases_stay_for_callers_that_catch_them():
    assert issubclass(SettingsError, ValueError) and issubclass(WriteError, ValueError)
    assert issubclass(BackendError, RuntimeError)
    assert (
        str(SettingsError(["A is wrong", "B is missing"]))
        == "invalid settings:\n  A is wrong\n  B is missing"
    )
