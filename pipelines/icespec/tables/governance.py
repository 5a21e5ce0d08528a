"""The one seam between the table layer and access governance.

`governance_for(settings)` opens the governance step the backend's registry entry names (on aws-glue,
the Lake Formation column tags of `icespec.governance.lakeformation`), or none.
`apply` runs the step after each table's commit; `plan` runs it with `dry_run=True` and appends
its changes to the table's plan as `Change`s of the governance kinds (never breaking, with the
template line of the column). `icespec drift` and the Dagster drift sensor plan through
`Lakehouse.plan`, so they report tag drift through this same seam.

An account without the icespec LF tags (Glue without Lake Formation) is not an error: the step
is skipped and says why in a note on the plan or apply result.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from icespec.backends import get_backend
from icespec.core.changes import Change, ChangeKind, TablePlan
from icespec.spec import TableSpec

if TYPE_CHECKING:
    from icespec.catalogs import Settings
    from icespec.catalogs.settings import AwsSettings

NEW_TABLE_NOTE = "Lake Formation column tags are assigned right after the table is created"


@dataclass(frozen=True)
class GovernanceOutcome:
    """One table's governance step: its changes as plan `Change`s, the step's own records, or a note."""

    changes: tuple[Change, ...] = ()
    records: tuple[Any, ...] = ()  # e.g. `ColumnTagChange`s, for callers that want the raw form
    note: str | None = None  # why the step was skipped


def tag_change(spec: TableSpec, record: Any) -> Change:
    """A `ColumnTagChange` as a plan change, pointing at the column in the template."""
    column = next((c for c in spec.columns if c.name.lower() == record.column.lower()), None)
    line = (column.line if column is not None else None) or spec.line_of("columns") or None
    if record.action == "remove":
        return Change(
            ChangeKind.REMOVE_COLUMN_TAGS,
            record.column,
            dict(record.before),
            None,
            False,
            record.message,
            line,
        )
    return Change(ChangeKind.SET_COLUMN_TAGS, record.column, dict(record.before), dict(record.after), False,
                  record.message, line)  # fmt: skip


@dataclass
class LakeFormationColumnTags:
    """aws-glue: each column's `access_level` / `pii` LF tags follow the template.

    The boto3 clients are made once, under a lock: drift plans tables in threads, and making
    clients from boto3's default session is not thread-safe (using them is).
    """

    settings: AwsSettings
    _clients: tuple[Any, Any] | None = field(default=None, repr=False)
    _opening: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clients(self) -> tuple[Any, Any]:
        from icespec.governance.lakeformation import aws_clients

        with self._opening:
            if self._clients is None:
                self._clients = aws_clients(self.settings)
        return self._clients

    def run(self, spec: TableSpec, *, dry_run: bool) -> GovernanceOutcome:
        from icespec.governance.lakeformation import sync_column_tags

        lakeformation, glue = self.clients()
        result = sync_column_tags(spec=spec, lakeformation=lakeformation, glue=glue, dry_run=dry_run)
        if result.skipped:
            return GovernanceOutcome(note=result.skipped)
        return GovernanceOutcome(
            changes=tuple(tag_change(spec, record) for record in result.changes),
            records=tuple(result.changes),
        )


Governance = LakeFormationColumnTags  # the only step so far; a GCP policy-tag step would join here


def governance_for(settings: Settings | None) -> Governance | None:
    """The backend's governance step, or None (local, aws-nessie, gcp: access is enforced elsewhere)."""
    if settings is None:
        return None
    backend = get_backend(settings.backend)
    return backend.hook("governance")(settings) if backend.governance else None


def with_governance(plan: TablePlan, governance: Governance | None) -> TablePlan:
    """The table's plan plus what the governance step would change (dry run)."""
    if governance is None:
        return plan
    if not plan.exists:  # nothing live to compare; apply tags every column after creating it
        return dataclasses.replace(plan, notes=(*plan.notes, NEW_TABLE_NOTE))
    outcome = governance.run(plan.spec, dry_run=True)
    return dataclasses.replace(
        plan,
        changes=plan.changes + outcome.changes,
        notes=(*plan.notes, outcome.note) if outcome.note else plan.notes,
    )
