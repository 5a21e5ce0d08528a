# icespec on AWS. One root for both catalogs:
#   glue   — Glue databases per namespace, Lake Formation tag-based column access, Athena
#   nessie — Nessie (Iceberg REST) on Fargate with a DynamoDB version store, Trino rules
# Both share the KMS-encrypted lake bucket and the alert topic. Tables themselves are created by
# `icespec apply` after this (docs/ownership.md).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  prefix        = "${var.name}-${var.environment}"
  glue          = var.catalog_type == "glue"
  nessie        = var.catalog_type == "nessie"
  templates_dir = coalesce(var.templates_dir, "${path.module}/../../table-templates")
  bucket_name   = coalesce(var.bucket_name, "${local.prefix}-lake-${data.aws_caller_identity.current.account_id}")
  role_arn      = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role"
  # Who may read the warehouse's files directly (the roles' names are fixed by the modules below,
  # so the bucket policy can name them before they exist): everyone else reads through Lake
  # Formation (glue) or not at all.
  warehouse_reader_arns = concat(
    local.glue ? [for r in ["lakeformation-data", "writer", "admin"] : "${local.role_arn}/${local.prefix}-${r}"] : [],
    local.glue_optimizers ? ["${local.role_arn}/${local.prefix}-table-optimizer"] : [],
    local.nessie ? [for r in ["nessie-task", "nessie-writer"] : "${local.role_arn}/${local.prefix}-${r}"] : [],
    var.extra_warehouse_reader_arns,
  )

  # Templates with maintenance.engine = glue, keyed DATABASE.TABLE: AWS Glue's table optimizers keep
  # them (modules/glue_table_optimizers), icespec maintain skips them.
  glue_kept_tables = { for t in values(module.table_spec.glue_optimized_tables) : "${t.database}.${t.table}" => t }
  glue_optimizers  = local.glue && var.glue_table_optimizers && length(local.glue_kept_tables) > 0
}

module "table_spec" {
  source        = "../modules/table_spec"
  templates_dir = local.templates_dir
}

module "storage" {
  source                             = "../modules/storage"
  bucket_name                        = local.bucket_name
  warehouse_prefix                   = var.warehouse_prefix
  access_logging_enabled             = var.access_logging_enabled
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  force_destroy                      = var.force_destroy
  warehouse_reader_arns              = local.warehouse_reader_arns
}

# --- alerts -------------------------------------------------------------------------------------

# Alerts are encrypted with a key of their own: whoever may publish an alert (every writer, the
# CloudWatch alarms) must hold kms:GenerateDataKey and kms:Decrypt on the topic's key (SNS
# Developer Guide, "Encryption at rest": publishing to an encrypted topic), which must not let
# them decrypt the lake.
data "aws_iam_policy_document" "alerts_key" {
  #checkov:skip=CKV_AWS_111:A key policy's only resource is the key itself; "*" cannot widen it.
  #checkov:skip=CKV_AWS_356:Same: "*" in a key policy means this key.
  #checkov:skip=CKV_AWS_109:The account-root statement is AWS's default key policy; IAM policies then grant the publishers.
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "AlarmsPublishEncrypted"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "alerts" {
  description             = "icespec alerts (${local.prefix})"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.alerts_key.json
}

resource "aws_kms_alias" "alerts" {
  name          = "alias/${local.prefix}-alerts"
  target_key_id = aws_kms_key.alerts.key_id
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.prefix}-alerts"
  kms_master_key_id = aws_kms_key.alerts.arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.key
}

# --- glue path ----------------------------------------------------------------------------------

module "glue_catalog" {
  source                   = "../modules/glue_catalog"
  count                    = local.glue ? 1 : 0
  namespaces               = module.table_spec.namespaces
  warehouse_uri            = module.storage.warehouse_uri
  lakeformation_admin_arns = var.lakeformation_admin_arns
  create_default_database  = var.create_default_glue_database
  owner                    = local.prefix
}

module "athena" {
  source                         = "../modules/athena"
  count                          = local.glue ? 1 : 0
  workgroup_name                 = local.prefix
  results_bucket_name            = "${local.bucket_name}-athena"
  roles                          = ["reader", "writer", "admin"]
  bytes_scanned_cutoff_per_query = var.athena_bytes_scanned_cutoff
  results_expiration_days        = var.athena_results_expiration_days
  access_logging_enabled         = var.access_logging_enabled
  access_log_bucket              = module.storage.log_bucket_name
  force_destroy                  = var.force_destroy
}

module "lake_formation" {
  source                     = "../modules/lake_formation"
  count                      = local.glue ? 1 : 0
  name_prefix                = local.prefix
  database_names             = module.glue_catalog[0].database_names
  bucket_arn                 = module.storage.bucket_arn
  warehouse_prefix           = var.warehouse_prefix
  kms_key_arn                = module.storage.kms_key_arn
  role_principals            = var.role_principals
  reader_can_read_pii        = var.reader_can_read_pii
  athena_workgroup_arns      = module.athena[0].workgroup_arns
  athena_results_bucket_arn  = module.athena[0].results_bucket_arn
  athena_results_kms_key_arn = module.athena[0].results_kms_key_arn
  lakeformation_admins       = module.glue_catalog[0].lakeformation_admins
  default_database_name      = module.glue_catalog[0].default_database_name
  alerts                     = { topic_arn = aws_sns_topic.alerts.arn, kms_key_arn = aws_kms_key.alerts.arn }
}

# AWS Glue keeps the tables whose template says maintenance.engine: glue. Glue's CreateTableOptimizer
# needs the table, which `icespec apply` creates after this stack: optimizers exist only for the
# tables in glue_optimizer_tables (["*"]: all of them), the check below lists the others.
module "glue_table_optimizers" {
  source               = "../modules/glue_table_optimizers"
  count                = local.glue_optimizers ? 1 : 0
  name_prefix          = local.prefix
  tables               = local.glue_kept_tables
  existing_tables      = var.glue_optimizer_tables
  bucket_arn           = module.storage.bucket_arn
  warehouse_prefix     = var.warehouse_prefix
  kms_key_arn          = module.storage.kms_key_arn
  lake_formation       = true # the warehouse is registered with Lake Formation (modules/lake_formation)
  lakeformation_admins = module.glue_catalog[0].lakeformation_admins
}

# Tables nobody keeps: icespec maintain skips engine: glue tables, and Glue has no optimizer for them
# until glue_optimizer_tables lists them (or while glue_table_optimizers is false). A warning: on a
# fresh stack they do not exist yet.
locals {
  glue_unkept_tables = local.glue_optimizers ? module.glue_table_optimizers[0].pending_tables : (local.glue ? sort(keys(local.glue_kept_tables)) : [])
}

check "glue_kept_tables_have_optimizers" {
  assert {
    condition     = length(local.glue_unkept_tables) == 0
    error_message = "No AWS Glue table optimizer keeps ${join(", ", local.glue_unkept_tables)} (maintenance.engine: glue), and icespec maintain skips them. ${var.glue_table_optimizers ? "Once `icespec apply` has created them, add them to glue_optimizer_tables (or set it to [\"*\"]) and apply again." : "glue_table_optimizers is false: enable it, or write engine: icespec in their templates."}"
  }
}

# --- nessie path --------------------------------------------------------------------------------

module "networking" {
  source                  = "../modules/networking"
  count                   = local.nessie ? 1 : 0
  name                    = local.prefix
  cidr_block              = var.nessie.vpc_cidr
  availability_zones      = var.nessie.availability_zones
  nat_gateway_per_az      = var.nessie.nat_gateway_per_az
  flow_log_retention_days = var.log_retention_days
  kms_key_arn             = module.storage.kms_key_arn
}

module "nessie" {
  source                = "../modules/nessie"
  count                 = local.nessie ? 1 : 0
  name                  = local.prefix
  image                 = var.nessie.image
  cpu                   = var.nessie.cpu
  memory                = var.nessie.memory
  desired_count         = var.nessie.desired_count
  min_capacity          = var.nessie.min_capacity
  max_capacity          = var.nessie.max_capacity
  cpu_target_percent    = var.nessie.cpu_target_percent
  certificate_arn       = var.nessie.certificate_arn
  hostname              = var.nessie.hostname
  internal              = var.nessie.internal
  allowed_cidrs         = var.nessie.allowed_cidrs
  default_branch        = var.nessie.default_branch
  oidc                  = var.nessie.oidc
  allow_unauthenticated = var.nessie.allow_unauthenticated
  extra_environment     = var.nessie.extra_environment
  deletion_protection   = var.nessie.deletion_protection && !var.force_destroy
  vpc_id                = module.networking[0].vpc_id
  vpc_cidr_block        = module.networking[0].vpc_cidr_block
  public_subnet_ids     = module.networking[0].public_subnet_ids
  private_subnet_ids    = module.networking[0].private_subnet_ids
  bucket_name           = module.storage.bucket_name
  bucket_arn            = module.storage.bucket_arn
  warehouse_prefix      = var.warehouse_prefix
  kms_key_arn           = module.storage.kms_key_arn
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = aws_sns_topic.alerts.arn
  alert_kms_key_arn     = aws_kms_key.alerts.arn
  writer_principals     = lookup(var.role_principals, "writer", [])
}

# Lake Formation does not govern Nessie tables: column access is enforced by the query engine.
module "trino_access" {
  source      = "../modules/trino_access"
  tables      = module.table_spec.tables
  columns     = module.table_spec.columns
  catalog     = var.trino_catalog
  role_groups = var.trino_role_groups
}

resource "aws_s3_object" "trino_rules" {
  count                  = local.nessie ? 1 : 0
  bucket                 = module.storage.bucket_name
  key                    = "access-control/trino-rules.json"
  content                = module.trino_access.rules_json
  content_type           = "application/json"
  server_side_encryption = "aws:kms"
  kms_key_id             = module.storage.kms_key_arn
}
