"""A code location that reconciles and watches every template, and writes none of them.

`dagster dev -m icespec.definitions`: the reconcile asset (create and evolve every table), each
table as an external asset with the template's metadata, and the drift sensor. No table has a
source here, so nothing can write sample or empty data into a real table: a deployment that writes
tables passes its own `sources` to `icespec.orchestration.build_definitions` in its own module (the
demo's is `examples/icespec_examples/definitions.py`).

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
