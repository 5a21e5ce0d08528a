# Provider-free: the BigQuery schema of every table with its policy tags put in, plus a staleness
# check of the rendering (python -m icespec.gcp.render) against table_spec's normalization.
# Tests apply it without any provider to prove every restricted/pii leaf gets its tag.

terraform {
  required_version = ">= 1.9.0"
}

variable "tables" {
  description = "module.table_spec.tables: normalized templates keyed by file stem."
  type        = any
}

variable "rendered" {
  description = "The `tables` object of table_schemas.json (schema with tag keys, clustering, columns)."
  type        = any
}

variable "policy_tag_names" {
  description = "Policy tag key → resource name; must hold `restricted` and `pii`."
  type        = map(string)

  validation {
    condition     = contains(keys(var.policy_tag_names), "restricted") && contains(keys(var.policy_tag_names), "pii")
    error_message = "policy_tag_names needs both keys: restricted and pii."
  }
}

locals {
  # The rendering is current when it was made from the same normalized columns table_spec decodes.
  stale_tables = [for stem, t in var.tables : stem
  if !contains(keys(var.rendered), stem) || try(jsonencode(var.rendered[stem].columns), "") != jsonencode(t.columns)]

  # The rendered schema names tags by key; jsonencode writes {"names":["restricted"]} exactly so.
  schemas = { for stem, r in var.rendered : stem => replace(replace(jsonencode(r.schema),
    "\"names\":[\"restricted\"]", "\"names\":[${jsonencode(var.policy_tag_names["restricted"])}]"),
  "\"names\":[\"pii\"]", "\"names\":[${jsonencode(var.policy_tag_names["pii"])}]") if contains(keys(var.tables), stem) }
}

output "schemas" {
  description = "Table stem → BigQuery schema JSON with policy tag resource names."
  value       = local.schemas

  precondition {
    condition     = length(local.stale_tables) == 0
    error_message = "table_schemas.json does not match the templates for: ${join(", ", local.stale_tables)}. Run `make gcp-schemas` and commit the file."
  }
}

output "clustering" {
  description = "Table stem → clustering columns (partition sources, then sort columns; docs/gcp.md)."
  value       = { for stem, r in var.rendered : stem => r.clustering if contains(keys(var.tables), stem) }
}
