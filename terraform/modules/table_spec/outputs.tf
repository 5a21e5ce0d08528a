output "tables" {
  description = "Normalized templates keyed by file stem: exactly icespec.spec's TableSpec.to_dict() (docs/template-reference.md)."
  value       = local.normalized

  precondition {
    condition     = length(local.problems.no_templates) == 0
    error_message = "No table template found in ${var.templates_dir}: point templates_dir at the table-templates folder (or set allow_no_templates = true)."
  }
  precondition {
    condition     = length(local.problems.name_mismatch) == 0 && length(local.problems.bad_table_name) == 0
    error_message = "A template's name must equal its file name and be snake_case (^[a-z][a-z0-9_]*$); fix: ${join("; ", concat(local.problems.name_mismatch, local.problems.bad_table_name))}."
  }
  precondition {
    condition     = length(local.problems.bad_namespace) == 0
    error_message = "namespace must be snake_case (^[a-z][a-z0-9_]*$); fix: ${join("; ", local.problems.bad_namespace)}."
  }
  precondition {
    condition     = length(local.problems.no_columns) == 0
    error_message = "Every template needs a non-empty columns list; add columns to: ${join("; ", local.problems.no_columns)}."
  }
  precondition {
    condition     = length(local.problems.too_deep) == 0
    error_message = "Nested fields go at most 5 levels deep in Terraform's table_spec (a column plus 4 levels of fields:); flatten or use a struct<...> type string for: ${join("; ", local.problems.too_deep)}."
  }
  precondition {
    condition     = length(local.problems.bad_column_name) == 0 && length(local.problems.duplicate_column) == 0
    error_message = "Column names must match ^[A-Za-z_][A-Za-z0-9_]*$ and be unique ignoring case at each level; fix: ${join("; ", concat(local.problems.bad_column_name, local.problems.duplicate_column))}."
  }
  precondition {
    condition     = length(local.problems.bad_access_level) == 0
    error_message = "access_level must be public, internal or restricted; fix: ${join("; ", local.problems.bad_access_level)}."
  }
  precondition {
    condition     = length(local.problems.pii_public) == 0
    error_message = "A pii column cannot be public: set access_level internal or restricted (or pii: false) for: ${join("; ", local.problems.pii_public)}."
  }
  precondition {
    condition     = length(local.problems.fields_with_type) == 0 && length(local.problems.no_type) == 0
    error_message = "A column needs a type or fields (then its type is struct); fix: ${join("; ", concat(local.problems.fields_with_type, [for p in local.problems.no_type : "${p} has neither"]))}."
  }
  precondition {
    condition     = length(local.problems.unknown_property) == 0 && length(local.problems.duplicate_property) == 0
    error_message = "Use Iceberg property names (write.format.default), their snake_case aliases, or your own dotted keys; each property once. Fix: ${join("; ", concat(local.problems.unknown_property, local.problems.duplicate_property))}. Run `icespec validate` for suggestions."
  }
  precondition {
    condition     = length(local.problems.bad_maintenance_engine) == 0
    error_message = "maintenance.engine must be icespec (`icespec maintain` keeps the table) or glue (AWS Glue table optimizers do, glue catalog only); write one of them, or leave engine out for icespec. Fix: ${join("; ", local.problems.bad_maintenance_engine)}."
  }
  precondition {
    condition     = length(local.problems.bad_orphan_older_than) == 0
    error_message = "maintenance.orphan_older_than must be a duration of at least 1h such as 90m, 36h or 3d (^[1-9][0-9]*[mhd]$): a write still in flight has files no metadata references yet. Fix: ${join("; ", local.problems.bad_orphan_older_than)}."
  }
}

output "glue_optimized_tables" {
  description = "Table stem → what AWS Glue's table optimizers need for each template with maintenance.engine = glue: database, table, compact, snapshot_retention_period_in_days, number_of_snapshots_to_retain, orphan_file_retention_period_in_days."
  value       = local.glue_optimized

  precondition {
    condition     = length(local.problems.bad_glue_retention) == 0
    error_message = "A table kept by AWS Glue (maintenance.engine: glue) needs whole-number history.expire properties: max-snapshot-age-ms > 0 and min-snapshots-to-keep >= 1 (Iceberg keeps at least one snapshot), each at most 2147483647 after conversion to days (the Glue API's Integer, AWS Glue API Reference, IcebergRetentionConfiguration). Fix: ${join("; ", local.problems.bad_glue_retention)}."
  }
}

output "namespaces" {
  description = "Sorted distinct namespaces (one Glue database / Nessie namespace / BigQuery dataset each)."
  value       = local.namespaces
}

output "tables_by_namespace" {
  description = "Namespace → sorted table names."
  value       = { for ns in local.namespaces : ns => sort([for t in local.normalized : t.name if t.namespace == ns]) }
}

output "columns" {
  description = "Table stem → top-level columns with the access level engines enforce (most restrictive of the column and its nested fields) and pii (true if any nested field is pii)."
  value       = local.column_access
}

output "restricted_columns" {
  description = "Table stem → top-level column names whose effective access_level is restricted (hidden from readers)."
  value       = { for stem, cols in local.column_access : stem => [for c in cols : c.name if c.access_level == "restricted"] }
}

output "template_files" {
  description = "Template file names that were read (sorted)."
  value       = local.template_files
}
