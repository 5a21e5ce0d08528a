"""`make demo` (placeholder until the tables job lands): validate and inspect every example."""

from __future__ import annotations

import sys

from icespec.cli import main

if __name__ == "__main__":
    code = main(["validate"])
    for name in ("event_stream", "scd_type2", "feature_table", "orders"):
        code = code or main(["inspect", name])
    sys.exit(code)
