"""Shared fixtures for the quality tests."""

from __future__ import annotations

import pytest

from icespec.spec import TableSpec, parse_spec
from tests.quality.quality_data import PROBE_TEMPLATE, REPO_ROOT


@pytest.fixture(scope="session")
def probe_spec() -> TableSpec:
    return parse_spec(PROBE_TEMPLATE, "probe.yaml")


@pytest.fixture(scope="session")
def example_specs() -> list[TableSpec]:
    from icespec.spec import load_specs

    return load_specs([REPO_ROOT / "table-templates"])
