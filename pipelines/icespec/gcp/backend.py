"""The gcp backend: BigQuery tables for Apache Iceberg through google-cloud-bigquery.

- plan/apply/drift compare the live table with the template (same `Change`/`TablePlan` as the
  pyiceberg backends) and make the changes BigQuery allows in place; breaking ones are refused
  before anything is sent.
- write stages the batch in a private table (one load job) and then changes the target with ONE
  DML statement, so a failed write leaves the target as it was:
  append = INSERT…SELECT; overwrite and overwrite_partitions = MERGE … ON FALSE (delete the old
  rows, insert the new ones); upsert = MERGE on the identifier fields.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from icespec.core.changes import Change, ChangeKind, TablePlan
from icespec.core.conform import check_mode, check_write, conform_batch
from icespec.core.results import WriteResult
from icespec.errors import BackendError
from icespec.gcp.arrow import from_bigquery_table, null_list_count, to_bigquery_table
from icespec.gcp.schema import bigquery_schema, clustering_fields, resolve_policy_tags, strip_policy_tags
from icespec.gcp.settings import GcpSettings
from icespec.schema import arrow_schema
from icespec.spec import TableSpec
from icespec.spec.types import PrimitiveType

if TYPE_CHECKING:
    from google.cloud import bigquery

    from icespec.tables.filters import RowFilter

STAGING_PREFIX = "_icespec_stage_"
STAGING_LIFETIME = timedelta(hours=1)  # a crashed writer's staging table expires by itself


class GcpBackendError(BackendError):
    """The operation cannot be done as asked; the message says why and what to do."""


def make_client(settings: GcpSettings) -> bigquery.Client:
    from google.cloud import bigquery

    if settings.bigquery_endpoint:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(
            project=settings.gcp_project,
            location=settings.dataset_location,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth's own signature
            client_options=ClientOptions(api_endpoint=settings.bigquery_endpoint),
        )
    return bigquery.Client(project=settings.gcp_project, location=settings.dataset_location)


def quote(path: str, alias: str | None = None) -> str:
    """`a`.`b` for a dotted column path (optionally prefixed by a table alias)."""
    parts = ([alias] if alias else []) + path.split(".")
    return ".".join(f"`{p}`" for p in parts)


class BigQueryLakehouse:
    def __init__(self, settings: GcpSettings, client: bigquery.Client | None = None):
        from google.cloud import bigquery

        self.settings = settings
        self.client = client or make_client(settings)
        # An emulator answers at once or never: fail in seconds instead of retrying a 500 for 10 minutes.
        self.retry = bigquery.DEFAULT_RETRY.with_timeout(15 if settings.bigquery_endpoint else 600)

    # --- what a table should look like -------------------------------------------------------
    def table_id(self, spec: TableSpec) -> str:
        return f"{self.settings.gcp_project}.{spec.namespace}.{spec.name}"

    def expected_fields(self, spec: TableSpec) -> list[dict[str, Any]]:
        fields = bigquery_schema(spec)
        if self.settings.policy_tags is None:
            return strip_policy_tags(fields)
        return resolve_policy_tags(fields, self.settings.policy_tags)

    def storage_uri(self, spec: TableSpec) -> str | None:
        if not self.settings.gcp_storage_uri:
            return None
        return f"{self.settings.gcp_storage_uri}/{spec.namespace}/{spec.name}/"

    def _new_table(self, table_id: str, spec: TableSpec, iceberg: bool) -> bigquery.Table:
        from google.cloud import bigquery

        table = bigquery.Table(table_id, schema=self._schema(self.expected_fields(spec)))
        table.description = spec.description or None
        table.clustering_fields = clustering_fields(spec) or None
        if iceberg and not self.settings.gcp_emulator:
            table.biglake_configuration = bigquery.BigLakeConfiguration(  # type: ignore[attr-defined]  # not re-exported in the stubs
                connection_id=self.settings.gcp_biglake_connection,
                storage_uri=self.storage_uri(spec),
                file_format="PARQUET",
                table_format="ICEBERG",
            )
        return table

    @staticmethod
    def _schema(fields: list[dict[str, Any]]) -> list[bigquery.SchemaField]:
        from google.cloud import bigquery

        return [bigquery.SchemaField.from_api_repr(f) for f in fields]

    def _get(self, table_id: str) -> bigquery.Table | None:
        from google.api_core.exceptions import NotFound

        try:
            return self.client.get_table(table_id, retry=self.retry)
        except NotFound:
            return None

    # --- plan / apply / drift ----------------------------------------------------------------
    def plan(self, spec: TableSpec) -> TablePlan:
        live = self._get(self.table_id(spec))
        if live is None:
            return TablePlan(
                spec,
                False,
                (
                    Change(
                        ChangeKind.CREATE_TABLE,
                        "",
                        None,
                        self.table_id(spec),
                        False,
                        f"create {self.table_id(spec)}",
                        1,
                    ),
                ),
            )
        return TablePlan(spec, True, tuple(self._diff(spec, live)))

    drift = plan  # drift is the plan of a table nobody meant to change

    def _diff(self, spec: TableSpec, live: bigquery.Table) -> list[Change]:
        changes = _diff_fields(
            spec,
            self.expected_fields(spec),
            [f.to_api_repr() for f in live.schema],
            "",
            compare_tags=self.settings.policy_tags is not None,
            # bqemulator keeps neither NUMERIC(P,S) parameters nor policy tags (docs/gcp.md).
            compare_parameters=not self.settings.gcp_emulator,
        )
        if (live.description or "") != spec.description:
            changes.append(
                Change(
                    ChangeKind.UPDATE_DOC,
                    "",
                    live.description,
                    spec.description,
                    False,
                    "update table description",
                    1,
                )
            )
        wanted = clustering_fields(spec)
        if list(live.clustering_fields or []) != wanted:
            changes.append(
                Change(
                    ChangeKind.SET_CLUSTERING, "", live.clustering_fields, wanted, False,
                    f"cluster by {', '.join(wanted) or 'nothing'} (partition spec and sort order on BigQuery)",
                    spec.line_of("partition_spec") or spec.line_of("sort_order") or None,
                )
            )  # fmt: skip
        if not self.settings.gcp_emulator and live._properties.get("biglakeConfiguration") is None:
            changes.append(
                Change(
                    ChangeKind.INCOMPATIBLE_TABLE_FORMAT, "", "BigQuery native table", "BigQuery table for Apache Iceberg",
                    True, f"{self.table_id(spec)} exists but is not an Iceberg table: move its data and drop it", 1,
                )
            )  # fmt: skip
        return changes

    def ensure_dataset(self, spec: TableSpec) -> None:
        from google.api_core.exceptions import NotFound
        from google.cloud import bigquery

        dataset_id = f"{self.settings.gcp_project}.{spec.namespace}"
        try:
            self.client.get_dataset(dataset_id, retry=self.retry)
        except NotFound:
            if not self.settings.gcp_emulator:
                raise GcpBackendError(
                    f"dataset {dataset_id} does not exist: Terraform owns datasets, run "
                    "`terraform -chdir=terraform/gcp apply` first"
                ) from None
            dataset = bigquery.Dataset(dataset_id)
            dataset.location = self.settings.dataset_location
            self.client.create_dataset(dataset, exists_ok=True, retry=self.retry)

    def apply(self, spec: TableSpec) -> TablePlan:
        """Create the table or make its non-breaking changes; refuse (changing nothing) if any break."""
        plan = self.plan(spec)
        breaking = [c for c in plan.changes if c.breaking]
        if breaking:
            where = spec.source_path or spec.full_name
            raise GcpBackendError(
                f"{where}: {len(breaking)} change(s) BigQuery cannot make in place; nothing was changed:\n  "
                + "\n  ".join(
                    f"{c.message} (line {c.yaml_line})" if c.yaml_line else c.message for c in breaking
                )
            )
        if not plan.exists:
            self.ensure_dataset(spec)
            self.client.create_table(
                self._new_table(self.table_id(spec), spec, iceberg=True), retry=self.retry
            )
        elif plan.changes:
            # Structural changes of top-level columns go through DDL (it changes the stored data's
            # shape); descriptions, policy tags, clustering and nested fields through tables.patch.
            for change in plan.changes:
                if "." in change.path or change.kind not in ("add_column", "make_optional"):
                    continue
                field = next(f for f in self.expected_fields(spec) if f["name"] == change.path)
                clause = (
                    f"ADD COLUMN IF NOT EXISTS {quote(change.path)} {_sql_type(field)}"
                    if change.kind == "add_column"
                    else f"ALTER COLUMN {quote(change.path)} DROP NOT NULL"
                )
                self.client.query(f"ALTER TABLE `{self.table_id(spec)}` {clause}", retry=self.retry).result()
            live = self.client.get_table(self.table_id(spec), retry=self.retry)
            live.schema = self._schema(
                _merge_fields([f.to_api_repr() for f in live.schema], self.expected_fields(spec))
            )
            live.description = spec.description or None
            live.clustering_fields = clustering_fields(spec) or None
            self.client.update_table(live, ["schema", "description", "clustering_fields"], retry=self.retry)
        return plan

    # --- read --------------------------------------------------------------------------------
    def read(self, spec: TableSpec, where: str | None = None) -> pa.Table:
        """Rows as the template's Arrow schema (maps, int32, uuid, ... restored with checked casts)."""
        columns = ", ".join(quote(c.name) for c in spec.columns)
        sql = f"SELECT {columns} FROM `{self.table_id(spec)}`" + (f" WHERE {where}" if where else "")
        result = self.client.query(sql, retry=self.retry).result().to_arrow(create_bqstorage_client=False)
        return from_bigquery_table(result, arrow_schema(spec))

    # --- write -------------------------------------------------------------------------------
    def write(
        self,
        spec: TableSpec,
        data: pa.Table,
        mode: str = "append",
        *,
        where: str | None = None,
        allow_empty: bool = False,
    ) -> WriteResult:
        """One DML statement. `where` (pyiceberg's row-filter syntax, mode overwrite) replaces only
        the rows it matches, rendered as GoogleSQL by `icespec.gcp.sql_filter`."""
        # The same validator and write rules as the Iceberg backends (icespec.core.conform), over the
        # template's Arrow schema: what the BigQuery table holds once `apply` has run.
        check_mode(spec, mode, where)
        batch = conform_batch(spec, data, arrow_schema(spec))
        row_filter = self._row_filter(spec, where) if where is not None else None
        check_write(spec, batch, mode, row_filter, allow_empty)
        condition = self._replace_where(spec, row_filter) if row_filter is not None else None
        target = self.table_id(spec)
        if self._get(target) is None:
            raise GcpBackendError(f"table {target} does not exist: run `icespec apply` (backend gcp) first")
        partition_key = self._partition_key(spec) if mode == "overwrite_partitions" else None
        if batch.num_rows == 0 and mode != "overwrite":
            return WriteResult(target, mode, None, 0, commit_kind="job")
        names = [c.name for c in spec.columns]
        staging = self._stage(spec, batch)
        try:
            estimate = self._count_effect(spec, mode, target, staging, partition_key, condition)
            job = self.client.query(
                self._statement(spec, mode, target, staging, names, partition_key, condition),
                retry=self.retry,
            )
            job.result()
        finally:
            self.client.delete_table(staging, not_found_ok=True, retry=self.retry)
        stats = getattr(job, "dml_stats", None)  # real BigQuery reports exact counts per statement
        if stats is not None:
            inserted, updated, deleted = (
                stats.inserted_row_count,
                stats.updated_row_count,
                stats.deleted_row_count,
            )
        else:
            inserted, updated, deleted = estimate
        return WriteResult(
            target, mode, None, batch.num_rows, rows_updated=updated, rows_inserted=inserted, rows_deleted=deleted,
            where=where, commit_kind="job", job_id=job.job_id, null_lists_as_empty=null_list_count(batch),
        )  # fmt: skip

    def _row_filter(self, spec: TableSpec, where: str) -> RowFilter:
        from icespec.schema import iceberg_schema
        from icespec.tables.filters import parse_write_filter

        return parse_write_filter(spec.full_name, where, iceberg_schema(spec))

    def _replace_where(self, spec: TableSpec, row_filter: RowFilter) -> str:
        """The filter as SQL on the target (alias T): the rows the write replaces."""
        from icespec.gcp.sql_filter import to_sql
        from icespec.schema import iceberg_schema

        try:
            condition = to_sql(row_filter.bound, iceberg_schema(spec), alias="T")
        except ValueError as error:
            raise GcpBackendError(f"{spec.full_name}: {error}") from None
        # The Iceberg backends' rule (pyiceberg's delete): keep a row where NOT condition is TRUE, or a
        # compared column is NULL (a compared float NaN); delete every other row.
        keep = [f"NOT ({condition})"]
        keep += [f"{quote(path, 'T')} IS NULL" for path in row_filter.null_guarded]
        keep += [f"IS_NAN({quote(path, 'T')})" for path in row_filter.nan_guarded]
        return f"NOT COALESCE({' OR '.join(f'({k})' for k in keep)}, FALSE)"

    def _partition_key(self, spec: TableSpec) -> list[str]:
        if not spec.partition_spec:
            raise GcpBackendError(
                f"{spec.source_path or spec.full_name}: overwrite_partitions needs a partition_spec; "
                "use overwrite to replace the whole table"
            )
        return [_partition_expression(spec, p.column, p.transform) for p in spec.partition_spec]

    def _stage(self, spec: TableSpec, batch: pa.Table) -> str:
        """Load the batch into a short-lived table with the target's schema (and policy tags)."""
        from google.cloud import bigquery

        staging_id = f"{self.settings.gcp_project}.{spec.namespace}.{STAGING_PREFIX}{spec.name}_{uuid.uuid4().hex[:12]}"
        staging = self._new_table(staging_id, spec, iceberg=False)
        staging.clustering_fields = None
        staging.expires = datetime.now(UTC) + STAGING_LIFETIME
        self.client.create_table(staging, retry=self.retry)
        try:
            buffer = io.BytesIO()
            pq.write_table(to_bigquery_table(batch), buffer)
            buffer.seek(0)
            config = bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.PARQUET,
                write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            )
            config.parquet_options = bigquery.ParquetOptions()  # type: ignore[no-untyped-call]  # untyped in google-cloud-bigquery
            config.parquet_options.enable_list_inference = True  # Parquet LIST → REPEATED, not a record
            self.client.load_table_from_file(buffer, staging_id, job_config=config).result()
        except Exception:
            self.client.delete_table(staging_id, not_found_ok=True, retry=self.retry)
            raise
        return staging_id

    def _count_effect(
        self,
        spec: TableSpec,
        mode: str,
        target: str,
        staging: str,
        key: list[str] | None,
        condition: str | None = None,
    ) -> tuple[int, int, int]:
        """(inserted, updated, deleted) the statement will report, for engines without DML stats."""
        staged = f"(SELECT COUNT(*) FROM `{staging}`)"
        if mode == "append":
            sql = f"SELECT {staged}, 0, 0"
        elif condition is not None:
            sql = f"SELECT {staged}, 0, (SELECT COUNT(*) FROM `{target}` AS T WHERE {condition})"
        elif mode == "overwrite":
            sql = f"SELECT {staged}, 0, (SELECT COUNT(*) FROM `{target}`)"
        elif mode == "overwrite_partitions":
            assert key is not None
            target_key = _key_json([k.format(t="T") for k in key])
            staged_key = _key_json([k.format(t="P") for k in key])
            sql = (
                f"SELECT {staged}, 0, (SELECT COUNT(*) FROM `{target}` AS T WHERE {target_key} IN "
                f"(SELECT DISTINCT {staged_key} FROM `{staging}` AS P))"
            )
        else:
            on = " AND ".join(f"{quote(k, 'T')} = {quote(k, 'S')}" for k in spec.identifier_fields)
            matched = f"(SELECT COUNT(*) FROM `{staging}` AS S JOIN `{target}` AS T ON {on})"
            sql = f"SELECT {staged} - {matched}, {matched}, 0"
        row = next(iter(self.client.query(sql, retry=self.retry).result()))
        return int(row[0]), int(row[1]), int(row[2])

    def _statement(
        self,
        spec: TableSpec,
        mode: str,
        target: str,
        staging: str,
        names: list[str],
        key: list[str] | None,
        condition: str | None = None,
    ) -> str:
        columns = ", ".join(quote(n) for n in names)
        values = ", ".join(quote(n, "S") for n in names)
        insert = f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"
        if mode == "append":
            return f"INSERT INTO `{target}` ({columns}) SELECT {columns} FROM `{staging}`"
        if condition is not None:  # replace-where: delete exactly the matching rows, insert the batch
            return (
                f"MERGE `{target}` AS T USING `{staging}` AS S ON FALSE\n"
                f"WHEN NOT MATCHED BY SOURCE AND ({condition}) THEN DELETE\n{insert}"
            )
        if mode == "overwrite":
            return f"MERGE `{target}` AS T USING `{staging}` AS S ON FALSE\nWHEN NOT MATCHED BY SOURCE THEN DELETE\n{insert}"
        if mode == "overwrite_partitions":
            assert key is not None
            target_key = _key_json([k.format(t="T") for k in key])
            staged_key = _key_json([k.format(t="P") for k in key])
            return (
                f"MERGE `{target}` AS T USING `{staging}` AS S ON FALSE\n"
                f"WHEN NOT MATCHED BY SOURCE AND {target_key} IN (SELECT DISTINCT {staged_key} FROM `{staging}` AS P)"
                f" THEN DELETE\n{insert}"
            )
        on = " AND ".join(f"{quote(k, 'T')} = {quote(k, 'S')}" for k in spec.identifier_fields)
        updates = ", ".join(f"{quote(n)} = {quote(n, 'S')}" for n in names)
        return f"MERGE `{target}` AS T USING `{staging}` AS S ON {on}\nWHEN MATCHED THEN UPDATE SET {updates}\n{insert}"


def _key_json(expressions: list[str]) -> str:
    """One comparable value per row for the partition tuple (NULL-safe, unlike tuple equality)."""
    return "TO_JSON_STRING(STRUCT(" + ", ".join(f"{e} AS p{i}" for i, e in enumerate(expressions)) + "))"


def _partition_expression(spec: TableSpec, column: str, transform: str) -> str:
    """SQL for an Iceberg partition transform of `column`, `{t}` standing for the table alias."""
    primitive = spec.field_type(column)
    source = quote(column, "{t}")
    kind = primitive.name if isinstance(primitive, PrimitiveType) else ""
    if transform == "identity":
        return source
    if transform == "void":
        return "CAST(NULL AS STRING)"
    if transform in ("year", "month", "day", "hour"):
        function = {
            "date": "DATE_TRUNC",
            "timestamp": "DATETIME_TRUNC",
            "timestamp_ns": "DATETIME_TRUNC",
        }.get(kind, "TIMESTAMP_TRUNC")
        return f"{function}({source}, {transform.upper()})"
    if transform.startswith("truncate[") and kind in ("string", "binary"):
        return f"SUBSTR({source}, 1, {int(transform[9:-1])})"
    if transform.startswith("truncate[") and kind in ("int", "long"):
        width = int(transform[9:-1])
        return f"({source} - MOD(MOD({source}, {width}) + {width}, {width}))"
    raise GcpBackendError(
        f"{spec.source_path or spec.full_name}: overwrite_partitions cannot select partition "
        f"{transform}({column}) in BigQuery SQL (Iceberg's {transform.split('[')[0]} uses a hash/scale BigQuery "
        "does not have); use upsert (identifier_fields) or overwrite instead"
    )


def _sql_type(field: dict[str, Any]) -> str:
    """GoogleSQL type of a schema field (ARRAY for REPEATED, STRUCT for RECORD)."""
    if field["type"] == "RECORD":
        inner = "STRUCT<" + ", ".join(f"{quote(f['name'])} {_sql_type(f)}" for f in field["fields"]) + ">"
    else:
        inner = str(
            {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}.get(field["type"], field["type"])
        )
        if field.get("precision"):
            inner += f"({field['precision']}, {field.get('scale', '0')})"
    return f"ARRAY<{inner}>" if field.get("mode") == "REPEATED" else inner


def _field_type(field: dict[str, Any], parameters: bool = True) -> str:
    text = str(field.get("type", ""))
    if parameters and field.get("precision"):
        text += f"({field['precision']},{field.get('scale', '0')})"
    return text


def _tags(field: dict[str, Any]) -> list[str]:
    return list((field.get("policyTags") or {}).get("names") or [])


def _diff_fields(
    spec: TableSpec,
    expected: list[dict[str, Any]],
    live: list[dict[str, Any]],
    prefix: str,
    compare_tags: bool,
    compare_parameters: bool = True,
) -> list[Change]:
    changes: list[Change] = []
    live_by_name = {f["name"].lower(): f for f in live}
    expected_names = {f["name"].lower() for f in expected}
    top = spec.column(prefix.split(".")[0]) if prefix else None
    for field in expected:
        path = prefix + field["name"]
        column = spec.column(path) if not prefix else top
        line = column.line if column and column.line else None
        old = live_by_name.get(field["name"].lower())
        if old is None:
            required = field.get("mode") == "REQUIRED"
            changes.append(
                Change(
                    ChangeKind.ADD_COLUMN, path, None, _field_type(field), required,
                    f"add column '{path}' {_field_type(field)}"
                    + (" (REQUIRED: BigQuery adds only NULLABLE columns; make it optional first)" if required else ""),
                    line,
                )
            )  # fmt: skip
            continue
        if _field_type(old, compare_parameters) != _field_type(field, compare_parameters) or (
            old.get("mode") == "REPEATED"
        ) != (field.get("mode") == "REPEATED"):
            changes.append(
                Change(
                    ChangeKind.INCOMPATIBLE_TYPE, path, f"{old.get('mode')} {_field_type(old)}",
                    f"{field.get('mode')} {_field_type(field)}", True,
                    f"column '{path}' is {old.get('mode')} {_field_type(old)} in BigQuery, the template wants "
                    f"{field.get('mode')} {_field_type(field)}",
                    line,
                )
            )  # fmt: skip
            continue
        if old.get("mode") == "REQUIRED" and field.get("mode") == "NULLABLE":
            changes.append(
                Change(ChangeKind.MAKE_OPTIONAL, path, True, False, False, f"make '{path}' optional", line)
            )
        elif old.get("mode") != "REQUIRED" and field.get("mode") == "REQUIRED":
            changes.append(
                Change(
                    ChangeKind.MAKE_REQUIRED,
                    path,
                    False,
                    True,
                    True,
                    f"'{path}' cannot become REQUIRED in place",
                    line,
                )
            )
        if (old.get("description") or "") != (field.get("description") or ""):
            changes.append(
                Change(ChangeKind.UPDATE_DOC, path, old.get("description"), field.get("description"), False,
                       f"update description of '{path}'", line)
            )  # fmt: skip
        if compare_tags and _tags(old) != _tags(field):
            changes.append(
                Change(ChangeKind.SET_POLICY_TAG, path, _tags(old), _tags(field), False,
                       f"set policy tag of '{path}' to {', '.join(_tags(field)) or 'none'}", line)
            )  # fmt: skip
        if field.get("type") == "RECORD":
            changes += _diff_fields(
                spec, field["fields"], old.get("fields", []), path + ".", compare_tags, compare_parameters
            )
    for old in live:
        if old["name"].lower() not in expected_names:
            path = prefix + old["name"]
            changes.append(
                Change(ChangeKind.DROP_COLUMN, path, _field_type(old), None, True,
                       f"column '{path}' exists in BigQuery but not in the template (icespec never drops data)", None)
            )  # fmt: skip
    return changes


def _merge_fields(live: list[dict[str, Any]], expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Live order kept (BigQuery cannot reorder); each field as the template wants it; new ones last."""
    expected_by_name = {f["name"].lower(): f for f in expected}
    merged = []
    for old in live:
        new = expected_by_name.pop(old["name"].lower(), old)
        field = {**new, "name": old["name"]}
        if new.get("type") == "RECORD" and old.get("type") == "RECORD":
            field["fields"] = _merge_fields(old.get("fields", []), new.get("fields", []))
        merged.append(field)
    return merged + list(expected_by_name.values())
