"""Conforming a batch to a live Iceberg table: the core validator (`icespec.core.conform`) over the
table's own Arrow schema (field ids included), after checking the template has nothing pending that
changes what the data files hold.

A write is blocked only by template changes that alter the physical schema (columns added, dropped,
renamed or retyped); a pending doc, identifier, partition, sort or property change is `apply`'s
business and never stops data from landing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyiceberg.io.pyarrow import schema_to_pyarrow

from icespec.core.changes import Change, ChangeKind
from icespec.core.conform import (
    cast_allowed,
    column_at,
    conform_batch,
    key_columns,
    sort_rows,
    to_arrow,
)
from icespec.errors import WriteError
from icespec.spec import TableSpec
from icespec.tables.diff import diff_table

if TYPE_CHECKING:
    from pyiceberg.table import Table

__all__ = [
    "PHYSICAL_SCHEMA_KINDS",
    "WriteError",
    "cast_allowed",
    "column_at",
    "conform",
    "key_columns",
    "pending_physical_changes",
    "sort_rows",
    "to_arrow",
]

# Pending template changes that change the physical schema: the batch would not fit the table.
PHYSICAL_SCHEMA_KINDS = frozenset(
    {ChangeKind.ADD_COLUMN, ChangeKind.DROP_COLUMN, ChangeKind.RENAME_COLUMN, ChangeKind.PROMOTE_TYPE,
     ChangeKind.INCOMPATIBLE_TYPE}
)  # fmt: skip


def pending_physical_changes(spec: TableSpec, table: Table) -> list[Change]:
    return [c for c in diff_table(spec, table).changes if c.kind in PHYSICAL_SCHEMA_KINDS]


def conform(table: Table, spec: TableSpec, data: Any) -> pa.Table:
    """The batch in the table's Arrow schema (field ids included), or a WriteError naming every bad column."""
    pending = pending_physical_changes(spec, table)
    if pending:
        more = f" and {len(pending) - 1} more" if len(pending) > 1 else ""
        raise WriteError(
            f"{spec.full_name} does not match its template ({pending[0].message}{more}): "
            "run `icespec apply` first; nothing was written"
        )
    return conform_batch(spec, data, schema_to_pyarrow(table.schema(), include_field_ids=True))
