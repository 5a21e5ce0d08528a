"""`plan`: every template against the live catalog, through the one diff engine (plus governance, via
`icespec.tables.governance`, on backends that have it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

from icespec.spec import TableSpec
from icespec.tables.diff import Change, TablePlan, diff_table
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


def plan_table(spec: TableSpec, catalog: Catalog, governance: Governance | None = None) -> TablePlan:
    """The table's changes, plus the governance step's (dry run) when the backend has one."""
    return with_governance(diff_table(spec, load_live_table(catalog, spec)), governance)


def plan_tables(
    specs: Iterable[TableSpec], catalog: Catalog, governance: Governance | None = None
) -> list[TablePlan]:
    return [plan_table(spec, catalog, governance) for spec in specs]
