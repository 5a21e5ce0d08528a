provider "aws" {
  region = "eu-west-1"
}

# In terraform/aws, `tables` comes from table_spec's glue_optimized_tables (the templates with
# maintenance.engine: glue); here it is written out.
module "glue_table_optimizers" {
  source      = "../.."
  name_prefix = "acme-dev"
  tables = {
    "ops.events" = {
      database                             = "ops"
      table                                = "events"
      compact                              = true
      snapshot_retention_period_in_days    = 2
      number_of_snapshots_to_retain        = 5
      orphan_file_retention_period_in_days = 10
    }
    "web.clicks" = {
      database                             = "web"
      table                                = "clicks"
      compact                              = false
      snapshot_retention_period_in_days    = 5
      number_of_snapshots_to_retain        = 1
      orphan_file_retention_period_in_days = 3
    }
  }
  existing_tables      = ["ops.events"] # `icespec apply` has created it; web.clicks not yet
  bucket_arn           = "arn:aws:s3:::acme-lake-dev-123456789012"
  kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  lakeformation_admins = ["arn:aws:iam::123456789012:role/ci-deployer"]
}

output "optimizers" {
  value = module.glue_table_optimizers.optimizers
}

output "pending_tables" {
  value = module.glue_table_optimizers.pending_tables
}
