"""`apply`: make every live table match its template, one Iceberg transaction per table.

- A new table is created with a create-table transaction, then `update_spec()` and
  `update_sort_order()` (so field ids equal `icespec.schema.iceberg_schema`).
- An existing table gets all of its changes in one transaction: all or nothing.
- Breaking changes are refused (nothing is changed anywhere) unless `allow_breaking`.
- A table holding data is never dropped, recreated or left unreadable. Changes that would make
  existing rows invalid (a new required column, `required` on a column holding nulls) are refused
  even with `allow_breaking`. An incompatible type change on a table with rows is refused too
  (dropping and re-adding the column would lose every value), unless `rewrite_incompatible`: then
  every value is converted with a safe cast and every data file rewritten in the same transaction,
  or, if any value does not convert, nothing is committed (`icespec.tables.rewrite`). On an empty
  table the column is simply dropped and added again with the new type.
- On aws-glue, each table's column Lake Formation tags are assigned after its commit, through the
  governance seam `icespec.tables.governance` (the same step `plan` runs as a dry run).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyiceberg.exceptions import CommitFailedException, TableAlreadyExistsError, ValidationException
from pyiceberg.table.metadata import SUPPORTED_TABLE_FORMAT_VERSION
from pyiceberg.table.sorting import NullOrder
from pyiceberg.transforms import parse_transform

from icespec.core.results import ApplyResult
from icespec.errors import PlanError
from icespec.schema import iceberg_schema, table_properties
from icespec.spec import TableSpec
from icespec.tables.diff import (
    COMMENT_PROPERTY,
    FORMAT_VERSION,
    MANAGED_PROPERTIES_KEY,
    SCHEMA_KINDS,
    Change,
    TablePlan,
    diff_table,
)
from icespec.tables.governance import Governance, governance_for
from icespec.tables.impact import (
    incompatible_refusal,
    live_paths,
    null_count,
    referenced_by_layout,
    row_count,
)
from icespec.tables.plan import load_live_table
from icespec.tables.rewrite import assess, not_rewritable, rewrite_files
from icespec.tables.writers import delete_written

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table, Transaction

    from icespec.catalogs import Settings

COMMIT_ATTEMPTS = 4


class ApplyError(PlanError):
    """A change cannot be applied; nothing was changed for the table named in the message."""


def _refused_changes(plan: TablePlan, allow_breaking: bool, rewrite_incompatible: bool) -> list[Change]:
    """The plan's breaking changes that the flags do not allow (`--rewrite-incompatible` allows a type
    change by converting the data)."""
    if allow_breaking:
        return []
    return [c for c in plan.breaking_changes if not (rewrite_incompatible and c.kind == "incompatible_type")]


class BreakingChangesRefused(ApplyError):
    def __init__(self, plans: list[TablePlan], rewrite_incompatible: bool = False):
        self.plans = plans
        lines = [
            f"  {p.spec.full_name} ({p.spec.source_path}): {c.message}"
            for p in plans
            for c in _refused_changes(p, False, rewrite_incompatible)
        ]
        super().__init__(
            "breaking changes refused (re-run with --allow-breaking to apply them); nothing was changed:\n"
            + "\n".join(lines)
        )


def _path(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def _null_order(text: str) -> NullOrder:
    return NullOrder.NULLS_FIRST if text == "nulls_first" else NullOrder.NULLS_LAST


def _managed_properties(spec: TableSpec) -> dict[str, str]:
    """Everything apply writes into table properties for this template."""
    props = {k: v for k, v in table_properties(spec).items() if k != FORMAT_VERSION}
    managed = ",".join(sorted(props))
    if spec.description:
        props[COMMENT_PROPERTY] = spec.description
    props[MANAGED_PROPERTIES_KEY] = managed
    return props


def _check_data_safety(plan: TablePlan, table: Table, rewrite_incompatible: bool) -> list[Change]:
    """Refuse changes that would make rows already in the table invalid or lose their values.

    Returns the incompatible type changes to carry out by rewriting the data files."""
    name = plan.spec.full_name
    where = plan.spec.source_path or name
    live = live_paths(plan)
    for change in plan.changes:
        if change.kind == "incompatible_type":
            used = referenced_by_layout(table, live.get(change.path, change.path), plan.spec)
            if used:
                line = f"{where}:{change.yaml_line}" if change.yaml_line else where
                raise ApplyError(
                    f"{line}: {name}: cannot change the type of '{change.path}': it is {used}, and Iceberg "
                    "cannot re-point those at a new column; add a new column instead; nothing was changed"
                )
    rows = row_count(table)
    if not rows:
        return []
    rewrites: list[Change] = []
    for change in plan.changes:
        line = f"{where}:{change.yaml_line}" if change.yaml_line else where
        if change.kind == "add_column" and change.breaking:
            raise ApplyError(
                f"{line}: {name}: cannot add required column '{change.path}' to a table holding {rows} rows; "
                "add it optional, backfill it, then make it required; nothing was changed"
            )
        if change.kind == "make_required":
            if "." in change.path:
                raise ApplyError(
                    f"{line}: {name}: cannot make nested '{change.path}' required on a table holding data"
                )
            nulls = null_count(table, live.get(change.path, change.path))
            if nulls:
                raise ApplyError(
                    f"{line}: {name}: cannot make '{change.path}' required: {nulls} existing rows are null; "
                    "fill them first; nothing was changed"
                )
        if change.kind == "incompatible_type":
            refusal = incompatible_refusal(change)
            if refusal:
                raise ApplyError(f"{line}: {name}: {refusal}; nothing was changed")
            if not rewrite_incompatible:
                raise ApplyError(
                    f"{line}: {name}: cannot change the type of '{change.path}' {change.before} -> {change.after} "
                    f"on a table holding {rows} rows, even with --allow-breaking: Iceberg cannot reinterpret "
                    "the stored values, so dropping and re-adding the column would lose every one of them. "
                    "Re-run with --rewrite-incompatible to convert the values and rewrite the data files "
                    "(`icespec plan` shows how many convert), or add a new column instead; nothing was changed"
                )
            target = iceberg_schema(plan.spec).find_field(change.path).field_type
            live_path = live.get(change.path, change.path)
            reason = not_rewritable(change, table, live_path, target)
            if reason:
                raise ApplyError(f"{line}: {name}: {reason}; nothing was changed")
            conversion = assess(table, change, target, live_path)
            if not conversion.convertible:
                raise ApplyError(
                    f"{line}: {name}: cannot rewrite '{change.path}': {conversion.describe()}; fix or remove "
                    "those values first (e.g. `icespec write --mode overwrite --where ...`); nothing was changed"
                )
            rewrites.append(change)
    return rewrites


def _apply_schema(tx: Transaction, plan: TablePlan) -> None:
    changes = plan.changes
    expected = iceberg_schema(plan.spec)
    # Renames first, one update each, so a renamed parent is visible to its renamed children.
    for change in changes:
        if change.kind == "rename_column":
            with tx.update_schema() as update:
                update.rename_column(_path(change.before), change.path.rsplit(".", 1)[-1])
    retyped_paths = {c.path for c in changes if c.kind == "incompatible_type"}
    body = [
        c
        for c in changes
        if c.kind in SCHEMA_KINDS
        and c.kind != "rename_column"
        and (c.kind != "update_doc" or c.path)
        # a retyped column is added again whole (its doc and required-ness included)
        and not (c.path in retyped_paths and c.kind in ("update_doc", "make_required", "make_optional"))
    ]
    if body:
        with tx.update_schema(allow_incompatible_changes=plan.has_breaking) as update:
            for change in body:
                if change.kind in ("drop_column", "incompatible_type"):
                    update.delete_column(_path(change.path))
                elif change.kind == "add_column":
                    new_field = expected.find_field(change.path)
                    update.add_column(
                        _path(change.path), new_field.field_type, new_field.doc, new_field.required
                    )
                elif change.kind == "promote_type":
                    update.update_column(
                        _path(change.path), field_type=expected.find_field(change.path).field_type
                    )
                elif change.kind == "make_optional":
                    update.make_column_optional(_path(change.path))
                elif change.kind == "make_required":
                    update.update_column(_path(change.path), required=True)
                elif change.kind == "update_doc":
                    update.update_column(_path(change.path), doc=change.after or "")
                elif change.kind == "set_identifier_fields":
                    update.set_identifier_fields(*change.after)
    retyped = [c for c in changes if c.kind == "incompatible_type"]
    if retyped:  # only with allow_breaking; on a table with rows, only with the rewrite below
        names = [f.name for f in expected.fields]
        with tx.update_schema(allow_incompatible_changes=True) as update:
            for change in retyped:
                new_field = expected.find_field(change.path)
                update.add_column(_path(change.path), new_field.field_type, new_field.doc, new_field.required)
                if change.path in names:  # back where it was, not at the end
                    position = names.index(change.path)
                    if position == 0:
                        update.move_first(change.path)
                    else:
                        update.move_after(change.path, names[position - 1])


def _apply_partition_spec(tx: Transaction, changes: list[Change]) -> None:
    spec_changes = [c for c in changes if c.kind.endswith("_partition_field")]
    if not spec_changes:
        return
    with tx.update_spec() as update:
        for change in spec_changes:
            if change.kind == "remove_partition_field":
                update.remove_field(change.path)
            elif change.kind == "add_partition_field":
                update.add_field(
                    change.after["column"], parse_transform(change.after["transform"]), change.path
                )
            elif change.kind == "rename_partition_field":
                update.rename_field(change.before, change.after)


def _apply_sort_order(tx: Transaction, spec: TableSpec) -> None:
    with tx.update_sort_order() as update:
        for s in spec.sort_order:
            add = update.asc if s.direction == "asc" else update.desc
            add(s.column, parse_transform(s.transform), _null_order(s.null_order))


def _apply_properties(tx: Transaction, plan: TablePlan, table: Table) -> None:
    kinds = {c.kind for c in plan.changes}
    version = next((c for c in plan.changes if c.kind == "set_property" and c.path == FORMAT_VERSION), None)
    if version is not None:
        tx.upgrade_table_version(int(version.after))  # type: ignore[arg-type]  # 1, 2 or 3: the loader allows no other
    if kinds & {"set_property", "remove_property"} or any(
        c.kind == "update_doc" and not c.path for c in plan.changes
    ):
        wanted = _managed_properties(plan.spec)
        changed = {k: v for k, v in wanted.items() if table.properties.get(k) != v}
        if changed:
            tx.set_properties(changed)
        removed = [c.path for c in plan.changes if c.kind == "remove_property"]
        if not plan.spec.description and table.properties.get(COMMENT_PROPERTY):
            removed.append(COMMENT_PROPERTY)
        if removed:
            tx.remove_properties(*removed)


def create_table(catalog: Catalog, spec: TableSpec) -> Table:
    """Create the table in one create-table transaction (schema, partition spec, sort order, properties)."""
    wanted_version = int(spec.properties.get(FORMAT_VERSION, "2"))
    if wanted_version > SUPPORTED_TABLE_FORMAT_VERSION:
        raise ApplyError(
            f"{spec.full_name}: format-version {wanted_version} tables cannot be created by this pyiceberg "
            f"(it writes up to version {SUPPORTED_TABLE_FORMAT_VERSION}); nothing was created. Use types that "
            f"need no v3 (e.g. timestamptz instead of timestamptz_ns) in {spec.source_path}, or create the "
            "table with an engine that writes v3."
        )
    catalog.create_namespace_if_not_exists(spec.namespace)
    properties = _managed_properties(spec)
    if FORMAT_VERSION in spec.properties:
        properties[FORMAT_VERSION] = spec.properties[FORMAT_VERSION]
    with catalog.create_table_transaction(
        spec.identifier, schema=iceberg_schema(spec), properties=properties
    ) as tx:
        if spec.partition_spec:
            with tx.update_spec() as update:
                for p in spec.partition_spec:
                    update.add_field(p.column, parse_transform(p.transform), p.name)
        if spec.sort_order:
            _apply_sort_order(tx, spec)
    return catalog.load_table(spec.identifier)


def update_table(table: Table, plan: TablePlan, rewrites: list[Change] | None = None) -> Table:
    """All of one table's changes in one transaction (with the data files rewritten for `rewrites`)."""
    tx = table.transaction()
    _apply_schema(tx, plan)
    _apply_partition_spec(tx, list(plan.changes))
    if any(c.kind in ("add_sort_field", "replace_sort_order") for c in plan.changes):
        _apply_sort_order(tx, plan.spec)
    _apply_properties(tx, plan, table)
    written: list[DataFile] = []
    if rewrites:  # last, so the files are written in the final schema and partition spec
        live = live_paths(plan)
        new_schema = tx.table_metadata.schema()
        retyped = {
            new_schema.find_field(c.path).field_id: table.schema().find_field(live.get(c.path, c.path))
            for c in rewrites
        }
        _, written = rewrite_files(tx, table, retyped)
    try:
        return tx.commit_transaction()
    except (CommitFailedException, ValidationException):
        # Only these say the commit did not land; after any other failure (a lost response) the
        # table may already reference the files.
        delete_written(table, written)
        raise


def _run_governance(result: ApplyResult, governance: Governance) -> None:
    outcome = governance.run(result.spec, dry_run=False)
    result.governance = list(outcome.records)
    result.governance_changes = outcome.changes
    if outcome.note:
        result.notes.append(outcome.note)
        # Library callers (and Dagster's log) hear it too; plan and drift carry it as a note only.
        from icespec.governance.lakeformation import GovernanceSkipped

        warnings.warn(outcome.note, GovernanceSkipped, stacklevel=3)
    if outcome.changes and result.action == "unchanged":
        result.action = "updated"  # the table's access changed, so the summary must not say "unchanged"


def apply_table(
    spec: TableSpec,
    catalog: Catalog,
    *,
    allow_breaking: bool = False,
    rewrite_incompatible: bool = False,
    settings: Settings | None = None,
    governance: Governance | None = None,
) -> ApplyResult:
    """Bring one table in line with its template; plans again when another writer commits first.

    The governance step (`governance`, or the one `settings` selects) runs after the commit.
    """
    governance = governance or governance_for(settings)
    attempt = 0
    while True:
        attempt += 1
        table = load_live_table(catalog, spec)
        plan = diff_table(spec, table)
        if _refused_changes(plan, allow_breaking, rewrite_incompatible):
            raise BreakingChangesRefused([plan], rewrite_incompatible)
        try:
            if table is None:
                create_table(catalog, spec)
                result = ApplyResult(spec, "created", plan.changes)
            elif not plan.has_changes:
                result = ApplyResult(spec, "unchanged")
            else:
                rewrites = _check_data_safety(plan, table, rewrite_incompatible)
                update_table(table, plan, rewrites)
                result = ApplyResult(spec, "updated", plan.changes)
        except (CommitFailedException, ValidationException, TableAlreadyExistsError) as exc:
            if attempt >= COMMIT_ATTEMPTS:
                raise ApplyError(
                    f"{spec.full_name}: other writers kept changing the table while it was being evolved "
                    f"({attempt} attempts, last: {exc}); this run changed nothing; run apply again"
                ) from exc
            continue  # someone else committed: re-read, re-diff, apply what is still missing
        if governance is not None:
            _run_governance(result, governance)
        return result


def apply_plan(
    plans: Iterable[TablePlan],
    catalog: Catalog,
    *,
    allow_breaking: bool = False,
    rewrite_incompatible: bool = False,
    settings: Settings | None = None,
    governance: Governance | None = None,
) -> list[ApplyResult]:
    """Apply plans table by table. Breaking changes anywhere refuse the whole run up front."""
    plans = list(plans)
    breaking = [p for p in plans if _refused_changes(p, allow_breaking, rewrite_incompatible)]
    if breaking:
        raise BreakingChangesRefused(breaking, rewrite_incompatible)
    governance = governance or governance_for(settings)  # one step (and one set of clients) per run
    return [
        apply_table(
            p.spec,
            catalog,
            allow_breaking=allow_breaking,
            rewrite_incompatible=rewrite_incompatible,
            governance=governance,
        )
        for p in plans
    ]


def apply_specs(
    specs: Iterable[TableSpec],
    catalog: Catalog,
    *,
    allow_breaking: bool = False,
    rewrite_incompatible: bool = False,
    settings: Settings | None = None,
) -> list[ApplyResult]:
    from icespec.tables.plan import plan_tables

    return apply_plan(
        plan_tables(specs, catalog),
        catalog,
        allow_breaking=allow_breaking,
        rewrite_incompatible=rewrite_incompatible,
        settings=settings,
    )
