variable "namespaces" {
  description = "Namespaces found in the table templates; one Glue database each (the database name is the namespace)."
  type        = list(string)

  validation {
    condition     = alltrue([for ns in var.namespaces : can(regex("^[a-z][a-z0-9_]{0,254}$", ns))])
    error_message = "Each namespace must be snake_case (^[a-z][a-z0-9_]*$) — fix the template's namespace."
  }
}

variable "warehouse_uri" {
  description = "Iceberg warehouse location, s3://BUCKET/PREFIX; a database's location is WAREHOUSE/NAMESPACE.db (pyiceberg's layout)."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]+[a-z0-9](/[A-Za-z0-9_.-]+)*$", var.warehouse_uri))
    error_message = "warehouse_uri must look like s3://bucket/prefix without a trailing slash."
  }
}

variable "description_prefix" {
  description = "Prefix of each database's description."
  type        = string
  default     = "icespec namespace"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "lakeformation_admin_arns" {
  description = "IAM users/roles that administer Lake Formation (must include whoever runs terraform). Empty: the deploying identity."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.lakeformation_admin_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", a))])
    error_message = "lakeformation_admin_arns must be IAM role or user ARNs (arn:aws:iam::123456789012:role/NAME)."
  }
}

variable "create_default_database" {
  description = "Create the Glue database `default` that Athena describes on every query; false when the account already has it (Athena or Glue may have made it)."
  type        = bool
  default     = true
}

variable "owner" {
  description = "Name of the stack (NAME-ENVIRONMENT) that owns this account's Lake Formation settings; another stack's name in the same account refuses to plan (one account per environment)."
  type        = string
  default     = "icespec"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.owner))
    error_message = "owner must be lower-case letters, digits and '-' (e.g. icespec-prod)."
  }
}
