"""Drift detection: every template against its live table, through the one diff engine.

Drift is exactly what `icespec plan` would report (`icespec.tables.diff.diff_table` for the
pyiceberg backends; the gcp backend's own `drift`, which returns the same `TablePlan`). Give the
backend's `Lakehouse.plan` as the planner and that includes its governance step (Lake Formation
column tags on aws-glue, `icespec.tables.governance`). Tables load concurrently with a bound; a table that cannot be loaded is reported as an error and never stops the others.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import Field

from icespec.core.changes import Change, TablePlan
from icespec.environment import AtLeastOne, EnvironmentSettings
from icespec.spec import TableSpec
from icespec.tables.diff import diff_table
from icespec.tables.plan import load_live_table

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

DEFAULT_CONCURRENCY = 8


class DriftSettings(EnvironmentSettings):
    """How drift is checked (the CLI's `icespec drift` and the sensor)."""

    drift_concurrency: AtLeastOne = Field(
        DEFAULT_CONCURRENCY, description="tables the drift check loads at once"
    )


def concurrency_from_env(env: Mapping[str, str] | None = None) -> int:
    """Tables loaded at once: ICESPEC_DRIFT_CONCURRENCY, default 8."""
    return DriftSettings.read(env).drift_concurrency


# One table's plan against the live system (loads the table, diffs it with the one engine).
Planner = Callable[[TableSpec], TablePlan]


def catalog_planner(catalog: Catalog) -> Planner:
    """The pyiceberg backends: load the live table (None when missing) and run `diff_table`."""

    def plan(spec: TableSpec) -> TablePlan:
        return diff_table(spec, load_live_table(catalog, spec))

    return plan


def change_fingerprint(change: Change) -> str:
    """Identity of one difference: what and where, not how it is worded or which YAML line it is on."""
    identity = [change.kind, change.path, change.before, change.after, change.breaking]
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:12]


def drift_fingerprint(changes: Iterable[Change]) -> str | None:
    """Stable across processes and change order; None when there is no drift."""
    parts = sorted(change_fingerprint(c) for c in changes)
    if not parts:
        return None
    return hashlib.sha256(",".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TableDrift:
    """One table's drift, or why it could not be checked."""

    spec: TableSpec
    plan: TablePlan | None  # None when the check failed
    error: str | None = None  # readable reason the check failed
    error_kind: str | None = None  # the exception's class: stable across ticks, for deduplication

    @property
    def table(self) -> str:
        return self.spec.full_name

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.plan.changes if self.plan else ()

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        if self.plan is not None and not self.plan.exists:
            return "missing"
        return "drift" if self.changes else "in_sync"

    @property
    def has_drift(self) -> bool:
        return bool(self.changes)

    @property
    def fingerprint(self) -> str | None:
        return drift_fingerprint(self.changes)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the check could not compare and why (e.g. no Lake Formation tags in the account)."""
        return self.plan.notes if self.plan else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "template": self.spec.source_path,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "error": self.error,
            "changes": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DriftReport:
    tables: tuple[TableDrift, ...]

    @property
    def drifted(self) -> tuple[TableDrift, ...]:
        return tuple(t for t in self.tables if t.has_drift)

    @property
    def errors(self) -> tuple[TableDrift, ...]:
        return tuple(t for t in self.tables if t.error is not None)

    @property
    def exit_code(self) -> int:
        """The CLI contract: 0 no drift, 2 drift, 1 when any table could not be checked."""
        if self.errors:
            return 1
        return 2 if self.drifted else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tables_checked": len(self.tables),
            "tables_drifted": len(self.drifted),
            "tables_failed": len(self.errors),
            "tables": [t.to_dict() for t in self.tables],
        }


def check_table(planner: Planner, spec: TableSpec) -> TableDrift:
    """Load and compare one table; any failure becomes a reported error, never an exception."""
    try:
        return TableDrift(spec, planner(spec))
    except Exception as exc:  # unreachable catalog, unreadable metadata, denied access: report, go on
        return TableDrift(spec, None, error=f"{type(exc).__name__}: {exc}", error_kind=type(exc).__name__)


def detect_drift(
    specs: Sequence[TableSpec],
    catalog: Catalog | None = None,
    *,
    planner: Planner | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> DriftReport:
    """Every template against its live table, at most `concurrency` loads at a time; template order kept.

    Give a pyiceberg `catalog`, or a `planner` for other backends (e.g. `BigQueryLakehouse.drift`).
    """
    if (catalog is None) == (planner is None):
        raise ValueError("detect_drift needs exactly one of a catalog or a planner")
    planner = planner or catalog_planner(catalog)
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    if not specs:
        return DriftReport(())
    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(specs)), thread_name_prefix="icespec-drift"
    ) as pool:
        results = list(pool.map(lambda spec: check_table(planner, spec), specs))
    return DriftReport(tuple(results))
