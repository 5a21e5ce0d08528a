# AWS Glue table optimizers for the Iceberg tables whose template says `maintenance.engine: glue`:
# compaction (when `compact`), snapshot retention and orphan file deletion, all run by one IAM role
# Glue assumes. icespec's own `icespec maintain` skips these tables.
#
# The permissions are the ones the AWS Glue User Guide lists on "Table optimization prerequisites"
# (https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html), scoped to this
# lake: the catalog, the optimized tables' databases and tables, the warehouse prefix, the lake key
# and the optimizers' three log groups.
#
# Tables are created by `icespec apply`, after the first `terraform apply`, and Glue's
# CreateTableOptimizer needs the table: optimizers and the table grants exist only for the tables
# in var.existing_tables. The role and its policy do not need the tables and are made at once.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  glue_arn   = "arn:${local.partition}:glue:${local.region}:${local.account_id}"

  existing = { for key, t in var.tables : key => t if contains(var.existing_tables, "*") || contains(var.existing_tables, key) }

  # The log groups the optimizers write to (Table optimization prerequisites).
  log_groups = [for kind in ["compaction", "retention", "orphan-file-deletion"] :
  "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/iceberg-${kind}/logs:*"]
}

# Trust policy as documented: the AWS Glue service assumes the role to run the optimizers.
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "optimizer" {
  name                 = "${var.name_prefix}-table-optimizer"
  description          = "AWS Glue table optimizers of the icespec tables with maintenance.engine = glue"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

# "Table optimization prerequisites" gives two policies: S3 read/write on the data plus Glue and
# CloudWatch Logs for data NOT registered with Lake Formation, and GetDataAccess plus Glue and Logs
# for data registered with it — the latter documented for compaction only. The role carries both,
# so snapshot retention and orphan file deletion work whichever way Glue reaches the files; the
# root puts the role in the warehouse's reader allow-list (the bucket policy and the lake key deny
# everyone else), or its direct reads would be denied.
data "aws_iam_policy_document" "optimizer" {
  statement {
    sid     = "GlueReadAndCommitOptimizedTables"
    actions = ["glue:GetTable", "glue:UpdateTable"]
    resources = concat(
      ["${local.glue_arn}:catalog"],
      [for db in distinct([for t in var.tables : t.database]) : "${local.glue_arn}:database/${db}"],
      [for t in var.tables : "${local.glue_arn}:table/${t.database}/${t.table}"],
    )
  }
  statement {
    sid       = "OptimizerLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = local.log_groups
  }
  statement {
    sid       = "WarehouseObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arn}/${var.warehouse_prefix}/*"]
  }
  statement {
    sid       = "WarehouseListing"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.warehouse_prefix}/*", var.warehouse_prefix]
    }
  }
  # "Table optimization prerequisites", server-side encryption: the role decrypts objects and
  # generates data keys for the files it writes. The lake key's policy delegates to IAM (its
  # account-root statement), so an identity policy grants it, as the page shows for a key in
  # another account.
  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  dynamic "statement" {
    for_each = var.lake_formation ? [1] : []
    content {
      sid       = "LakeFormationVendsData"
      actions   = ["lakeformation:GetDataAccess"]
      resources = ["*"] # GetDataAccess has no resource-level permissions; the LF grants below scope it
    }
  }
}

resource "aws_iam_role_policy" "optimizer" {
  name   = "table-optimizers"
  role   = aws_iam_role.optimizer.id
  policy = data.aws_iam_policy_document.optimizer.json
}

# --- Lake Formation ---------------------------------------------------------------------------

# Grants wait for the data lake settings' admins (as in modules/lake_formation).
resource "terraform_data" "lakeformation_admins" {
  count = var.lake_formation ? 1 : 0
  input = var.lakeformation_admins
}

# "Table optimization prerequisites": without an IAM_ALLOWED_PRINCIPALS grant on the table (the
# glue path removes it), the optimizer role needs Lake Formation ALTER, DESCRIBE, INSERT and
# DELETE on the table. A grant on a named table needs the table, hence existing tables only.
resource "aws_lakeformation_permissions" "table" {
  for_each    = var.lake_formation ? local.existing : {}
  principal   = aws_iam_role.optimizer.arn
  permissions = ["ALTER", "DESCRIBE", "INSERT", "DELETE"]

  table {
    database_name = each.value.database
    name          = each.value.table
  }

  depends_on = [terraform_data.lakeformation_admins]
}

# --- the optimizers -----------------------------------------------------------------------------

# Compaction takes no settings in provider 5.x (Glue's default strategy, binpack).
resource "aws_glue_catalog_table_optimizer" "compaction" {
  for_each      = { for key, t in local.existing : key => t if t.compact }
  catalog_id    = local.account_id
  database_name = each.value.database
  table_name    = each.value.table
  type          = "compaction"

  configuration {
    role_arn = aws_iam_role.optimizer.arn
    enabled  = true
  }

  depends_on = [aws_iam_role_policy.optimizer, aws_lakeformation_permissions.table]
}

# AWS Glue API Reference, IcebergRetentionConfiguration: the values override the table's
# history.expire.* properties (table_spec computed them from the same properties).
# cleanExpiredFiles: "If set to false, snapshots are only deleted from table metadata, and the
# underlying data and metadata files are not deleted" — true, so storage is reclaimed.
resource "aws_glue_catalog_table_optimizer" "retention" {
  for_each      = local.existing
  catalog_id    = local.account_id
  database_name = each.value.database
  table_name    = each.value.table
  type          = "retention"

  configuration {
    role_arn = aws_iam_role.optimizer.arn
    enabled  = true
    retention_configuration {
      iceberg_configuration {
        snapshot_retention_period_in_days = each.value.snapshot_retention_period_in_days
        number_of_snapshots_to_retain     = each.value.number_of_snapshots_to_retain
        clean_expired_files               = true
      }
    }
  }

  depends_on = [aws_iam_role_policy.optimizer, aws_lakeformation_permissions.table]
}

# AWS Glue API Reference, IcebergOrphanFileDeletionConfiguration: `location` "defaults to the
# table's location", which is what we want, so it is not set.
resource "aws_glue_catalog_table_optimizer" "orphan_file_deletion" {
  for_each      = local.existing
  catalog_id    = local.account_id
  database_name = each.value.database
  table_name    = each.value.table
  type          = "orphan_file_deletion"

  configuration {
    role_arn = aws_iam_role.optimizer.arn
    enabled  = true
    orphan_file_deletion_configuration {
      iceberg_configuration {
        orphan_file_retention_period_in_days = each.value.orphan_file_retention_period_in_days
      }
    }
  }

  depends_on = [aws_iam_role_policy.optimizer, aws_lakeformation_permissions.table]
}
