"""`dagster dev` entry point (pyproject [tool.dagster]): Definitions for every template.

Assets, blocking Soda checks, reports, the drift sensor, jobs, schedules and resources all come from
`icespec.orchestration.build_definitions`.

Templates come from $ICESPEC_TEMPLATES, else the project's table-templates/ (found from the current
folder upwards, as the CLI finds it); settings from ICESPEC_*. A broken template never takes the
code location down: it is left out, and the reconcile asset's `templates_are_valid` check fails
naming each problem's file and line.
"""

from __future__ import annotations

from icespec.catalogs import Settings
from icespec.orchestration import build_definitions
from icespec.quality import default_extras_dir
from icespec.spec import validate_paths
from icespec.spec.project import find_project

PROJECT = find_project()
SETTINGS = Settings.from_env()
# A broken template is left out and shown on the reconcile asset; the valid ones all load.
SPECS, BROKEN = validate_paths([PROJECT.templates])

defs = build_definitions(SPECS, SETTINGS, extras_dir=default_extras_dir(PROJECT.base), broken=BROKEN)
