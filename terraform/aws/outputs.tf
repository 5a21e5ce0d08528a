# Everything the pipelines need; `icespec config from-terraform` turns `terraform output -json`
# into the ICESPEC_* environment file (docs/deployment-aws.md).

output "catalog_type" {
  description = "glue or nessie."
  value       = var.catalog_type
}

output "icespec_backend" {
  description = "The icespec backend matching this stack (aws-glue or aws-nessie)."
  value       = local.glue ? "aws-glue" : "aws-nessie"
}

output "region" {
  description = "AWS region."
  value       = var.region
}

output "account_id" {
  description = "AWS account id."
  value       = data.aws_caller_identity.current.account_id
}

output "bucket" {
  description = "Lake bucket."
  value       = module.storage.bucket_name
}

output "warehouse_uri" {
  description = "Iceberg warehouse location."
  value       = module.storage.warehouse_uri
}

output "kms_key_arn" {
  description = "Lake key."
  value       = module.storage.kms_key_arn
}

output "namespaces" {
  description = "Namespaces in the templates."
  value       = module.table_spec.namespaces
}

output "tables" {
  description = "namespace.table of every template."
  value       = sort([for t in module.table_spec.tables : "${t.namespace}.${t.name}"])

  precondition {
    condition     = local.glue || length(local.glue_kept_tables) == 0
    error_message = "maintenance.engine: glue means AWS Glue's table optimizers keep the table, which needs catalog_type = \"glue\"; on ${var.catalog_type} write engine: icespec (or leave it out) in the templates of ${join(", ", keys(local.glue_kept_tables))}."
  }
}

output "glue_table_optimizers" {
  description = "Glue path: the role AWS Glue's table optimizers run as, optimizer type → NAMESPACE.TABLE, and the tables with maintenance.engine = glue still waiting for glue_optimizer_tables to list them; null without such tables or with glue_table_optimizers = false."
  value = local.glue_optimizers ? {
    role_arn       = module.glue_table_optimizers[0].role_arn
    optimizers     = module.glue_table_optimizers[0].optimizers
    pending_tables = module.glue_table_optimizers[0].pending_tables
  } : null
}

output "warehouse_reader_arns" {
  description = "The only IAM roles that may read the warehouse's files directly (the bucket policy and the lake key deny everyone else)."
  value       = local.warehouse_reader_arns
}

output "glue_databases" {
  description = "Glue databases (glue path; empty otherwise)."
  value       = local.glue ? module.glue_catalog[0].database_names : []
}

output "catalog_uri" {
  description = "Iceberg REST catalog URI (nessie path) or null (glue path: the Glue catalog of the region)."
  value       = local.nessie ? module.nessie[0].iceberg_rest_uri : null
}

output "nessie_uri" {
  description = "Nessie API v2 URI (nessie path)."
  value       = local.nessie ? module.nessie[0].nessie_uri : null
}

output "nessie_branch" {
  description = "Nessie default branch (nessie path)."
  value       = local.nessie ? module.nessie[0].default_branch : null
}

output "athena_workgroup" {
  description = "Athena workgroup of the writer role, which runs icespec's quality scans (glue path)."
  value       = local.glue ? module.athena[0].workgroup_names["writer"] : null
}

output "athena_results_s3" {
  description = "The writer's Athena query results location (glue path)."
  value       = local.glue ? module.athena[0].results_s3_uris["writer"] : null
}

output "athena_workgroups" {
  description = "Role → its Athena workgroup; each role may use only its own (glue path)."
  value       = local.glue ? module.athena[0].workgroup_names : null
}

output "role_arns" {
  description = "IAM roles: reader/writer/admin (glue path), writer (nessie path: the warehouse's files)."
  value       = local.glue ? module.lake_formation[0].role_arns : { writer = module.nessie[0].writer_role_arn }
}

output "lf_grants" {
  description = "Lake Formation tag-expression grants (glue path)."
  value       = local.glue ? module.lake_formation[0].grants : {}
}

output "sns_topic_arn" {
  description = "Alert topic (alarms, pipeline alerts)."
  value       = aws_sns_topic.alerts.arn
}

output "trino_access_rules_s3" {
  description = "S3 URI of the rendered Trino access-control rules (nessie path)."
  value       = local.nessie ? "s3://${module.storage.bucket_name}/${aws_s3_object.trino_rules[0].key}" : null
}

output "trino_access_rules" {
  description = "Trino file-based access-control rules rendered from the templates."
  value       = module.trino_access.rules
}

output "reader_visible_columns" {
  description = "Table stem → top-level columns the reader role may read (public or internal)."
  value       = module.trino_access.reader_visible_columns
}

output "column_access" {
  description = "Table stem → top-level columns with effective access_level and pii (what icespec apply tags in Lake Formation)."
  value       = module.table_spec.columns
}

output "nessie_warehouse" {
  description = "Warehouse name Nessie's Iceberg REST catalog serves (nessie path)."
  value       = local.nessie ? module.nessie[0].warehouse_name : null
}

output "trino_catalog" {
  description = "Trino catalog name the rendered access rules use."
  value       = var.trino_catalog
}

output "trino_access_rules_json" {
  description = "The Trino rules as the JSON document written to S3 (nessie path)."
  value       = module.trino_access.rules_json
}
