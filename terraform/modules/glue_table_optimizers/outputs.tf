output "role_arn" {
  description = "ARN of the role AWS Glue assumes to run the optimizers (the deployer needs iam:PassRole on it)."
  value       = aws_iam_role.optimizer.arn
}

output "role_name" {
  description = "Name of the optimizer role (NAME_PREFIX-table-optimizer)."
  value       = aws_iam_role.optimizer.name
}

output "optimizers" {
  description = "Optimizer type (compaction, retention, orphan_file_deletion) → the DATABASE.TABLE names it runs on."
  value = {
    compaction           = sort(keys(aws_glue_catalog_table_optimizer.compaction))
    retention            = sort(keys(aws_glue_catalog_table_optimizer.retention))
    orphan_file_deletion = sort(keys(aws_glue_catalog_table_optimizer.orphan_file_deletion))
  }
}

output "pending_tables" {
  description = "Tables Glue should keep that have no optimizer yet because existing_tables does not list them: after `icespec apply` created them, add them (or \"*\") and apply again."
  value       = sort([for key in keys(var.tables) : key if !contains(keys(local.existing), key)])
}
