variable "project_id" {
  description = "GCP project that holds the lakehouse (bucket, datasets, connection, taxonomy, service accounts)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a GCP project id: 6-30 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "location" {
  description = "BigQuery/GCS location for the bucket, datasets, BigLake connection and taxonomy (a multi-region such as US or EU, or a region such as europe-west1). All must match for BigQuery tables for Apache Iceberg."
  type        = string
  default     = "US"

  validation {
    condition     = can(regex("^(US|EU|[a-z]+-[a-z]+[0-9])$", var.location))
    error_message = "location must be US, EU or a region name like europe-west1."
  }
}

variable "region" {
  description = "Default region of the google provider (resources here use var.location)."
  type        = string
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a region name like us-central1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (bucket, connection, taxonomy, service accounts)."
  type        = string
  default     = "icespec"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,15}$", var.name_prefix))
    error_message = "name_prefix must be 3-16 lower-case letters, digits or hyphens, starting with a letter (service account ids are at most 30 characters)."
  }
}

variable "templates_dir" {
  description = "Folder of the table templates (table-templates/), relative to this root or absolute."
  type        = string
  default     = "../../table-templates"

  validation {
    condition     = length(trimspace(var.templates_dir)) > 0
    error_message = "templates_dir must name the folder holding the table templates."
  }
}

variable "kms_enabled" {
  description = "Encrypt the bucket and datasets with a customer-managed KMS key (created here, rotated every kms_rotation_period)."
  type        = bool
  default     = true
}

variable "kms_rotation_period" {
  description = "Rotation period of the CMEK key, in seconds with an s suffix (at most 90 days)."
  type        = string
  default     = "7776000s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.kms_rotation_period)) && try(tonumber(trimsuffix(var.kms_rotation_period, "s")) <= 7776000 && tonumber(trimsuffix(var.kms_rotation_period, "s")) >= 86400, false)
    error_message = "kms_rotation_period must be between 86400s (1 day) and 7776000s (90 days)."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version is kept before the lifecycle rule deletes it."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 3650
    error_message = "noncurrent_version_retention_days must be between 1 and 3650."
  }
}

variable "access_log_bucket" {
  description = "Existing bucket receiving the data bucket's usage logs; null to create one here."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to destroy tables and the bucket's contents from Terraform (keep true outside throw-away projects)."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels added to every labelled resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels keys and values must be lower-case letters, digits, _ or - (keys start with a letter, at most 63 characters)."
  }
}
