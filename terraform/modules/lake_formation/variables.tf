variable "name_prefix" {
  description = "Prefix of IAM role names (e.g. icespec-prod → icespec-prod-reader)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 2-41 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "database_names" {
  description = "Glue databases (one per namespace) that get the fail-closed default tag access_level=restricted."
  type        = list(string)
}

variable "bucket_arn" {
  description = "ARN of the lake bucket, registered with Lake Formation."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:aws:s3:::NAME)."
  }
}

variable "warehouse_prefix" {
  description = "Key prefix of the Iceberg warehouse inside the bucket."
  type        = string
  default     = "warehouse"
}

variable "kms_key_arn" {
  description = "Customer-managed key encrypting the lake and query results."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "role_principals" {
  description = "Who may assume each role: map of reader/writer/admin → IAM principal ARNs. A role left out can be assumed by principals of this account that IAM allows to (account root)."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for role in keys(var.role_principals) : contains(["reader", "writer", "admin"], role)])
    error_message = "role_principals keys must be reader, writer or admin."
  }
  validation {
    condition     = alltrue(flatten([for arns in values(var.role_principals) : [for a in arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:", a))]]))
    error_message = "role_principals values must be IAM ARNs (arn:aws:iam::123456789012:role/NAME or ...:root)."
  }
}

variable "reader_can_read_pii" {
  description = "Whether the reader role reads pii columns that are internal. The design's reader is an internal analyst (true); false adds pii=false to the reader's grant."
  type        = bool
  default     = true
}

variable "athena_workgroup_arns" {
  description = "Role (reader, writer, admin) → the Athena workgroup it queries through (modules/athena); each role reaches only its own."
  type        = map(string)

  validation {
    condition     = alltrue([for role in ["reader", "writer", "admin"] : can(regex("^arn:aws[a-z-]*:athena:", var.athena_workgroup_arns[role]))])
    error_message = "athena_workgroup_arns needs an Athena workgroup ARN for each of reader, writer and admin."
  }
}

variable "athena_results_bucket_arn" {
  description = "Bucket holding Athena query results; each role reads and writes only under its own prefix (ROLE/)."
  type        = string
}

variable "athena_results_kms_key_arn" {
  description = "Key encrypting the Athena query results (modules/athena)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.athena_results_kms_key_arn))
    error_message = "athena_results_kms_key_arn must be a KMS key ARN."
  }
}

variable "lakeformation_admins" {
  description = "The account's Lake Formation admins as set by the data lake settings (modules/glue_catalog output lakeformation_admins): every tag, grant and registration waits for them, or the first apply races the admin list."
  type        = list(string)

  validation {
    condition     = length(var.lakeformation_admins) > 0
    error_message = "lakeformation_admins must name at least one admin (pass module.glue_catalog.lakeformation_admins)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "default_database_name" {
  description = "The Glue database Athena describes on every query (`default`; it must exist: modules/glue_catalog creates it unless told it is there)."
  type        = string
  default     = "default"
}

variable "alerts" {
  description = "SNS topic of icespec's alerts and the key encrypting it: writer and admin (who run the pipelines and the drift sensor) may publish. Null: no publish grant."
  type = object({
    topic_arn   = string
    kms_key_arn = string
  })
  default = null
}
