"""`dagster dev` entry point (pyproject [tool.dagster]): Definitions for every template.

Templates come from $ICESPEC_TEMPLATES (default ./table-templates), settings from ICESPEC_*.
"""

from __future__ import annotations

import os

from icespec.catalogs import Settings
from icespec.orchestration import build_definitions
from icespec.spec import load_specs

TEMPLATES = os.environ.get("ICESPEC_TEMPLATES", "table-templates")
SETTINGS = Settings.from_env()
SPECS = load_specs([TEMPLATES])

defs = build_definitions(SPECS, SETTINGS)

# Quality (issue 4): blocking Soda asset checks for every table, run after each materialization.
from dagster import Definitions  # noqa: E402

from icespec.orchestration.quality_checks import build_quality_checks  # noqa: E402

defs = Definitions.merge(defs, Definitions(asset_checks=build_quality_checks(SPECS, SETTINGS)))

# Drift (issue 5): a sensor comparing live tables with the templates (hourly by default), alerting
# Slack/SNS/the log once per new, changed or resolved drift. Every backend (through the lakehouse resource).
from icespec.orchestration.drift_sensor import build_drift_sensor, drift_resources  # noqa: E402

defs = Definitions.merge(
    defs, Definitions(sensors=[build_drift_sensor(SPECS, SETTINGS)], resources=drift_resources(SETTINGS))
)
