"""The demo's Dagster code location (pyproject [tool.dagster]): every template written with
deterministic sample rows, the sales/daily_revenue report, the drift sensor.

A deployment writes its own module like this one, passing the functions that produce each table's
batch as `sources` (the packaged `icespec.definitions` has none: it reconciles and watches only).
"""

from __future__ import annotations

from icespec.catalogs import Settings
from icespec.orchestration import build_definitions
from icespec.quality import default_extras_dir
from icespec.spec import validate_paths
from icespec.spec.project import find_project
from icespec_examples.reports import report_assets
from icespec_examples.samples import sample_sources

PROJECT = find_project()
SETTINGS = Settings.from_env()
SPECS, BROKEN = validate_paths([PROJECT.templates])

defs = build_definitions(
    SPECS,
    SETTINGS,
    sources=sample_sources(SPECS),
    assets=report_assets(SPECS),
    extras_dir=default_extras_dir(PROJECT.base),
    broken=BROKEN,
)
