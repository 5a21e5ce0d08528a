variable "name_prefix" {
  description = "Prefix of the optimizer role's name: the role is NAME_PREFIX-table-optimizer (e.g. icespec-prod-table-optimizer), a name the root can put in the warehouse's reader allow-list before the role exists."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 2-41 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "tables" {
  description = "DATABASE.TABLE → a table AWS Glue's optimizers keep (table_spec's glue_optimized_tables): its Glue database and name, whether to compact, and the retention values Glue takes in whole days and snapshots."
  type = map(object({
    database                             = string
    table                                = string
    compact                              = bool
    snapshot_retention_period_in_days    = number
    number_of_snapshots_to_retain        = number
    orphan_file_retention_period_in_days = number
  }))

  validation {
    condition     = alltrue([for key, t in var.tables : key == "${t.database}.${t.table}" && can(regex("^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$", key))])
    error_message = "tables must be keyed DATABASE.TABLE with snake_case names (the templates' namespace and name)."
  }
  # AWS Glue User Guide, "Enabling orphan file deletion": orphanFileRetentionPeriodInDays has a
  # minimum of 1 day. The other two are Integers (AWS Glue API Reference,
  # IcebergRetentionConfiguration); Iceberg keeps at least one snapshot.
  validation {
    condition = alltrue([for t in var.tables : alltrue([
      for n in [t.snapshot_retention_period_in_days, t.number_of_snapshots_to_retain, t.orphan_file_retention_period_in_days] :
      n >= 1 && n <= 2147483647 && floor(n) == n
    ])])
    error_message = "snapshot_retention_period_in_days, number_of_snapshots_to_retain and orphan_file_retention_period_in_days must be whole numbers from 1 (Glue's minimum orphan age is 1 day; Iceberg keeps at least one snapshot)."
  }
}

variable "existing_tables" {
  description = "Which keys of `tables` already exist in the Glue Data Catalog, or [\"*\"] for all of them. Glue's CreateTableOptimizer needs the table, and `icespec apply` creates tables after the first `terraform apply`: list a table here once icespec has created it. Tables not listed get no optimizer and no Lake Formation grant (output pending_tables)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.existing_tables : name == "*" || contains(keys(var.tables), name)])
    error_message = "existing_tables (terraform/aws: glue_optimizer_tables) must be \"*\" or keys of tables (DATABASE.TABLE of a template with maintenance.engine: glue); unknown: ${join(", ", [for name in var.existing_tables : name if name != "*" && !contains(keys(var.tables), name)])}."
  }
}

variable "bucket_arn" {
  description = "ARN of the lake bucket holding the warehouse."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:aws:s3:::NAME)."
  }
}

variable "warehouse_prefix" {
  description = "Key prefix of the Iceberg warehouse in the bucket: the role reads, writes and deletes objects under it only."
  type        = string
  default     = "warehouse"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*$", var.warehouse_prefix))
    error_message = "warehouse_prefix must be one path segment of lower-case letters, digits, '_' or '-'."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed key encrypting the warehouse (SSE-KMS): the role may decrypt and generate data keys with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "lake_formation" {
  description = "The warehouse is registered with Lake Formation and no IAM_ALLOWED_PRINCIPALS grant covers the tables (the glue path of terraform/aws): the role gets lakeformation:GetDataAccess and Lake Formation ALTER, DESCRIBE, INSERT and DELETE on each optimized table."
  type        = bool
  default     = true
}

variable "lakeformation_admins" {
  description = "The account's Lake Formation admins as set by the data lake settings (modules/glue_catalog output lakeformation_admins): the grants wait for them. Empty when lake_formation is false."
  type        = list(string)
  default     = []

  validation {
    condition     = !var.lake_formation || length(var.lakeformation_admins) > 0
    error_message = "lake_formation = true needs lakeformation_admins (pass module.glue_catalog.lakeformation_admins) so the grants wait for the admin list."
  }
}

variable "tags" {
  description = "Tags added to the IAM role."
  type        = map(string)
  default     = {}
}
