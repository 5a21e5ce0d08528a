variable "name" {
  description = "Short name of this lakehouse; prefixes every resource (with the environment)."
  type        = string
  default     = "icespec"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.name))
    error_message = "name must be 2-15 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, ...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lower-case letters or digits, starting with a letter (e.g. dev, prod)."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1."
  }
}

variable "catalog_type" {
  description = "Iceberg catalog: \"glue\" (Glue Data Catalog + Lake Formation + Athena) or \"nessie\" (Nessie on Fargate, Trino rules)."
  type        = string

  validation {
    condition     = contains(["glue", "nessie"], var.catalog_type)
    error_message = "catalog_type must be \"glue\" or \"nessie\"."
  }
}

variable "templates_dir" {
  description = "Folder with the table templates; null means the repository's table-templates/."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "Lake bucket name; null derives NAME-ENVIRONMENT-lake-ACCOUNT_ID."
  type        = string
  default     = null
}

variable "warehouse_prefix" {
  description = "Key prefix of the Iceberg warehouse in the lake bucket."
  type        = string
  default     = "warehouse"
}

variable "force_destroy" {
  description = "Allow destroying non-empty buckets, workgroups and protected resources. Only for throwaway stacks."
  type        = bool
  default     = false
}

variable "access_logging_enabled" {
  description = "S3 server access logs for the lake and results buckets."
  type        = bool
  default     = true
}

variable "noncurrent_version_expiration_days" {
  description = "Days noncurrent object versions are kept in the lake bucket."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "CloudWatch log retention in days (Nessie service, VPC flow logs); a year by default for audits."
  type        = number
  default     = 365
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alert topic (each must confirm)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+$", e))])
    error_message = "alert_emails must be e-mail addresses."
  }
}

# --- glue path -----------------------------------------------------------------------------------

variable "role_principals" {
  description = "Who may assume the reader/writer/admin roles: map role → IAM principal ARNs (default: this account)."
  type        = map(list(string))
  default     = {}
}

variable "lakeformation_admin_arns" {
  description = "Lake Formation administrators of the account (glue path): every identity that runs terraform or administers Lake Formation. The list replaces the account's admins, so it is required: left to whoever happens to deploy, a second deployer would drop the first."
  type        = list(string)
  default     = []

  validation {
    condition     = var.catalog_type != "glue" || length(var.lakeformation_admin_arns) > 0
    error_message = "catalog_type = \"glue\" needs lakeformation_admin_arns: the IAM roles or users of everyone who runs terraform or administers Lake Formation here (e.g. [\"arn:aws:iam::123456789012:role/platform\"])."
  }

  validation {
    condition     = alltrue([for a in var.lakeformation_admin_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "lakeformation_admin_arns must be IAM role or user ARNs."
  }
}

variable "glue_table_optimizers" {
  description = "Glue path: AWS Glue table optimizers (compaction, snapshot retention, orphan file deletion) and the IAM role they run as, for the templates with maintenance.engine = glue (modules/glue_table_optimizers). false: none, e.g. when catalog-level optimizers keep every table."
  type        = bool
  default     = true
}

variable "glue_optimizer_tables" {
  description = "Glue path: which tables with maintenance.engine = glue exist already (NAMESPACE.TABLE), or [\"*\"] for all of them. Glue's CreateTableOptimizer needs the table and `icespec apply` creates tables after `terraform apply`, so leave it empty on a fresh stack and list a table once icespec has created it (a check warns about the rest)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.glue_optimizer_tables : name == "*" || can(regex("^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$", name))])
    error_message = "glue_optimizer_tables takes NAMESPACE.TABLE names (e.g. \"sales.orders\") or \"*\"."
  }
}

variable "reader_can_read_pii" {
  description = "Reader may read internal pii columns (the design's reader is an internal analyst)."
  type        = bool
  default     = true
}

variable "athena_bytes_scanned_cutoff" {
  description = "Athena cancels queries scanning more bytes than this."
  type        = number
  default     = 10737418240
}

variable "athena_results_expiration_days" {
  description = "Days Athena query results are kept."
  type        = number
  default     = 30
}

# --- nessie path -----------------------------------------------------------------------------------

variable "nessie" {
  description = "Nessie service settings (catalog_type = nessie)."
  type = object({
    image               = optional(string, "ghcr.io/projectnessie/nessie:0.108.4")
    cpu                 = optional(number, 4096)
    memory              = optional(number, 8192)
    desired_count       = optional(number, 2)
    min_capacity        = optional(number, 1)
    max_capacity        = optional(number, 4)
    cpu_target_percent  = optional(number, 60)
    certificate_arn     = optional(string)
    hostname            = optional(string)
    internal            = optional(bool, true)
    allowed_cidrs       = optional(list(string), [])
    vpc_cidr            = optional(string, "10.40.0.0/16")
    availability_zones  = optional(list(string), [])
    nat_gateway_per_az  = optional(bool, false)
    default_branch      = optional(string, "main")
    deletion_protection = optional(bool, true)
    oidc = optional(object({
      enabled             = bool
      auth_server_url     = optional(string)
      client_id           = optional(string)
      audience            = optional(string)
      authorization_rules = optional(map(string), {})
    }), { enabled = false })
    allow_unauthenticated = optional(bool, false)
    extra_environment     = optional(map(string), {})
  })
  default = {}
}

variable "extra_warehouse_reader_arns" {
  description = "IAM roles besides icespec's own (Lake Formation's data role, writer, admin, the Glue table optimizer role, Nessie's task and writer) that may read the warehouse's files directly, e.g. a Trino or Spark cluster's role. Everyone else is denied GetObject on the warehouse and Decrypt through S3 with the lake key."
  type        = list(string)
  default     = []
}

variable "create_default_glue_database" {
  description = "Create the Glue database `default` Athena describes on every query (glue path); false when the account already has one."
  type        = bool
  default     = true
}

variable "trino_catalog" {
  description = "Trino catalog name used in the rendered access-control rules (nessie path)."
  type        = string
  default     = "iceberg"
}

variable "trino_role_groups" {
  description = "Trino groups acting as reader, writer and admin in the rendered rules (nessie path)."
  type        = object({ reader = string, writer = string, admin = string })
  default     = { reader = "icespec-reader", writer = "icespec-writer", admin = "icespec-admin" }
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}
