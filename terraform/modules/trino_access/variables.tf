variable "tables" {
  description = "Normalized templates (the table_spec module's `tables` output)."
  type        = any
}

variable "columns" {
  description = "Per-table top-level columns with their effective access_level (the table_spec module's `columns` output)."
  type        = any
}

variable "catalog" {
  description = "Trino catalog name of the Iceberg (Nessie REST) catalog."
  type        = string
  default     = "iceberg"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.catalog))
    error_message = "catalog must be a lower-case Trino catalog name."
  }
}

variable "role_groups" {
  description = "Trino groups (from your OIDC/LDAP group provider) acting as reader, writer and admin."
  type        = object({ reader = string, writer = string, admin = string })
  default     = { reader = "icespec-reader", writer = "icespec-writer", admin = "icespec-admin" }

  validation {
    condition     = alltrue([for g in values(var.role_groups) : can(regex("^[A-Za-z0-9_.-]+$", g))])
    error_message = "role_groups must be plain group names (letters, digits, '_', '.', '-'); they are used inside Trino's regex rules."
  }
}
