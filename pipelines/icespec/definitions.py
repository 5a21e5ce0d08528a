"""`dagster dev` entry point (pyproject [tool.dagster]): Definitions for every template.

Assets, blocking Soda checks, reports, the drift sensor, jobs, schedules and resources all come from
`icespec.orchestration.build_definitions`.

Templates come from $ICESPEC_TEMPLATES, else the project's table-templates/ (found from the current
folder upwards, as the CLI finds it); settings from ICESPEC_*.
"""

from __future__ import annotations

from icespec.catalogs import Settings
from icespec.orchestration import build_definitions
from icespec.spec import load_specs
from icespec.spec.project import find_project

TEMPLATES = str(find_project().templates)
SETTINGS = Settings.from_env()
SPECS = load_specs([TEMPLATES])

defs = build_definitions(SPECS, SETTINGS)
