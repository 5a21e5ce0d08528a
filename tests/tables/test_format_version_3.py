"""A template that needs Iceberg v3 gets a clear refusal, and nothing is created."""

from __future__ import annotations

import pytest

from icespec.catalogs import open_catalog
from icespec.tables.apply import ApplyError, apply_specs


def test_v3_template_is_refused_before_anything_is_created(local_settings, make_spec):
    catalog = open_catalog(local_settings)
    spec = make_spec("properties: {format-version: 3}\ncolumns:\n  - {name: at, type: timestamptz_ns}\n")
    with pytest.raises(ApplyError, match="format-version 3 tables cannot be created"):
        apply_specs([spec], catalog, settings=local_settings)
    assert not catalog.table_exists(spec.identifier)
