variable "workgroup_name" {
  description = "Prefix of the workgroup names: one workgroup NAME-ROLE per role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.workgroup_name))
    error_message = "workgroup_name must be 1-128 letters, digits, '.', '_' or '-'."
  }
}

variable "results_bucket_name" {
  description = "Bucket for query results (created here)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_name))
    error_message = "results_bucket_name must be a valid S3 bucket name."
  }
}

variable "roles" {
  description = "Roles that query through Athena; each gets its own workgroup and results prefix."
  type        = list(string)
  default     = ["reader", "writer", "admin"]

  validation {
    condition     = length(var.roles) > 0 && alltrue([for r in var.roles : can(regex("^[a-z][a-z0-9-]{0,31}$", r))])
    error_message = "roles must be lower-case names (letters, digits, '-')."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Queries scanning more bytes are cancelled (cost guard). Minimum 10 MB."
  type        = number
  default     = 10737418240 # 10 GiB

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB), Athena's minimum."
  }
}

variable "results_expiration_days" {
  description = "Days query results are kept."
  type        = number
  default     = 30

  validation {
    condition     = var.results_expiration_days >= 1
    error_message = "results_expiration_days must be at least 1."
  }
}

variable "access_logging_enabled" {
  description = "Send S3 access logs of the results bucket to access_log_bucket."
  type        = bool
  default     = false
}

variable "access_log_bucket" {
  description = "Bucket receiving S3 access logs of the results bucket (with access_logging_enabled)."
  type        = string
  default     = null

  validation {
    condition     = !var.access_logging_enabled || var.access_log_bucket != null
    error_message = "access_logging_enabled needs access_log_bucket (the storage module's log_bucket_name)."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a non-empty results bucket and workgroup history."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
