"""Data quality: Soda Core checks generated from the table spec, run in process after every write.

Light to import: SodaCL generation and configuration load without Soda; the scan runner (which
imports Soda with usage statistics off) loads on first use of `scan_arrow`/`scan_table`.
"""

from __future__ import annotations

from typing import Any

from icespec.quality.config import SodaDataSource, sample_allowed_columns, soda_data_source
from icespec.quality.dialects import DIALECT_BY_BACKEND, DIALECTS, Dialect, dialect_for, engine_dialect
from icespec.quality.sodacl import (
    CHECK_KINDS,
    DEFAULT_EXTRAS_DIR,
    CheckSuite,
    GeneratedCheck,
    QualityConfigError,
    build_suite,
    default_extras_dir,
    generate_checks,
)

_SCAN_NAMES = ("CheckResult", "FailedRowsSample", "ScanResult", "scan_arrow", "scan_table")

__all__ = [
    "CHECK_KINDS",
    "DEFAULT_EXTRAS_DIR",
    "DIALECTS",
    "DIALECT_BY_BACKEND",
    "engine_dialect",
    "CheckSuite",
    "Dialect",
    "GeneratedCheck",
    "QualityConfigError",
    "SodaDataSource",
    "build_suite",
    "default_extras_dir",
    "dialect_for",
    "generate_checks",
    "sample_allowed_columns",
    "soda_data_source",
    *_SCAN_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _SCAN_NAMES:
        from icespec.quality import scan

        return getattr(scan, name)
    raise AttributeError(f"module 'icespec.quality' has no attribute {name!r}")
