"""`plan`: every template against the live catalog, through the one diff engine (plus governance, via
`icespec.tables.governance`, on backends that have it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

from icespec.core.changes import Change, TablePlan
from icespec.spec import TableSpec
from icespec.tables.diff import diff_table
from icespec.tables.governance import Governance, with_governance

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

__all__ = ["Change", "TablePlan", "diff_table", "load_live_table", "plan_table", "plan_tables"]


def load_live_table(catalog: Catalog, spec: TableSpec) -> Table | None:
    try:
        return catalog.load_table(spec.identifier)
    except (NoSuchTableError, NoSuchNamespaceError):
        return None


def plan_table(
    spec: TableSpec, catalog: Catalog, governance: Governance | None = None, *, data_impact: bool = False
) -> TablePlan:
    """The table's changes, plus the governance step's (dry run) when the backend has one.

    `data_impact`: also say what each change does to the rows already in the table (it may read the
    affected column, e.g. to count the values an incompatible type change could convert)."""
    table = load_live_table(catalog, spec)
    plan = diff_table(spec, table)
    if data_impact:
        from icespec.tables.impact import with_data_impact

        plan = with_data_impact(plan, table)
    return with_governance(plan, governance)


def plan_tables(
    specs: Iterable[TableSpec],
    catalog: Catalog,
    governance: Governance | None = None,
    *,
    data_impact: bool = False,
) -> list[TablePlan]:
    return [plan_table(spec, catalog, governance, data_impact=data_impact) for spec in specs]
