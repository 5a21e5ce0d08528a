"""Import Soda Core with its usage statistics off, before any of it runs.

Soda reads `send_anonymous_usage_stats` from a global config file once, when its telemetry module is
first imported (and writes ~/.soda/config.yml with statistics ON when it finds none). We generate that
file ourselves and point Soda's ConfigHelper at it before the first import, so nothing is written to
the home folder and no span ever leaves the machine.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

# The machine-readable form of "usage statistics off" Soda understands; user_cookie_id is set so
# Soda has no missing key to "repair" by writing the file.
SODA_GLOBAL_CONFIG = "send_anonymous_usage_stats: false\nuser_cookie_id: icespec-telemetry-off\n"


def global_config_path() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"icespec-soda-{uid}" / "config.yml"


@cache
def soda() -> ModuleType:
    """`soda.scan`, imported with telemetry off (idempotent)."""
    path = global_config_path()
    if not path.is_file() or path.read_text(encoding="utf-8") != SODA_GLOBAL_CONFIG:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SODA_GLOBAL_CONFIG, encoding="utf-8")
    from soda.common.config_helper import ConfigHelper

    ConfigHelper.get_instance(str(path))
    import soda.scan as scan_module
    from soda.telemetry.soda_telemetry import SodaTelemetry

    telemetry = SodaTelemetry.get_instance()
    if telemetry.soda_config.send_anonymous_usage_stats:
        # Something imported Soda before us and it read another config: switch sending off anyway.
        telemetry._SodaTelemetry__send = False
    return scan_module


def usage_statistics_enabled() -> bool:
    soda()
    from soda.telemetry.soda_telemetry import SodaTelemetry

    return bool(SodaTelemetry.get_instance()._SodaTelemetry__send)
