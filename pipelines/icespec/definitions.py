"""`dagster dev` entry point (pyproject [tool.dagster]): Definitions for every template.

Assets, blocking Soda checks, reports, the drift sensor, jobs, schedules and resources all come from
`icespec.orchestration.build_definitions`.

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
