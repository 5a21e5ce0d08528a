variable "bucket_name" {
  description = "Name of the lake bucket that holds the Iceberg warehouse (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..")
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit."
  }
}

variable "warehouse_prefix" {
  description = "Key prefix under which Iceberg tables live (the warehouse is s3://BUCKET/PREFIX)."
  type        = string
  default     = "warehouse"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*$", var.warehouse_prefix))
    error_message = "warehouse_prefix must be one path segment of lower-case letters, digits, '_' or '-' (no slashes)."
  }
}

variable "kms_deletion_window_days" {
  description = "Days a scheduled KMS key deletion waits (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted (keeps Iceberg's replaced files recoverable for a while)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "access_logging_enabled" {
  description = "Write S3 server access logs of the lake bucket to a separate log bucket."
  type        = bool
  default     = true
}

variable "access_log_expiration_days" {
  description = "Days access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 1
    error_message = "access_log_expiration_days must be at least 1."
  }
}

variable "kms_service_principals" {
  description = "AWS service principals allowed to use the key besides CloudWatch Logs (none by default: the alert topic and the Athena results have keys of their own)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.kms_service_principals : endswith(p, ".amazonaws.com")])
    error_message = "kms_service_principals must be AWS service principals ending in .amazonaws.com."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets. Keep false for anything holding real data."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "warehouse_reader_arns" {
  description = "The only IAM roles that may read the warehouse's objects directly (GetObject, and Decrypt through S3 with the lake key): Lake Formation's data role, writers, admins, the Glue table optimizer role, Nessie's task. Everyone else reads through Lake Formation or not at all. Empty: no such restriction."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.warehouse_reader_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "warehouse_reader_arns must be IAM role or user ARNs (arn:aws:iam::123456789012:role/NAME)."
  }
}
