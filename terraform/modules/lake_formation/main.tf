# Tag-based Lake Formation access control.
#
#   access_level  public | internal | restricted     pii  true | false
#   reader  SELECT on tables/columns tagged public or internal (never restricted)
#   writer  SELECT, INSERT, DELETE and ALTER on every level (an Iceberg commit is glue:UpdateTable)
#   admin   everything plus DROP, and may assign the tags (icespec apply does)
#
# Databases carry access_level=restricted, so a column nobody tagged inherits restricted and
# stays hidden from readers (fail-closed). Column tags come from the templates and are set by
# `icespec apply` (icespec.governance.lakeformation) — access follows the YAML at the next apply.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  account_id    = data.aws_caller_identity.current.account_id
  region        = data.aws_region.current.name
  access_levels = ["public", "internal", "restricted"]
  reader_levels = ["public", "internal"]
  roles         = toset(["reader", "writer", "admin"])

  glue_catalog_arn = "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"
  glue_database_arns = [for db in var.database_names :
  "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${db}"]
  glue_table_arns = [for db in var.database_names :
  "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${db}/*"]
  warehouse_objects    = "${var.bucket_arn}/${var.warehouse_prefix}/*"
  default_database_arn = "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.default_database_name}"

  # Grants on LF-tag expressions: role, resource type, permissions, tag → allowed values.
  grants = {
    reader_databases = { role = "reader", resource_type = "DATABASE", permissions = ["DESCRIBE"], expression = { access_level = local.access_levels } }
    reader_tables = {
      role          = "reader"
      resource_type = "TABLE"
      permissions   = ["SELECT", "DESCRIBE"]
      expression    = { for key, values in { access_level = local.reader_levels, pii = ["false"] } : key => values if key != "pii" || !var.reader_can_read_pii }
    }
    writer_databases = { role = "writer", resource_type = "DATABASE", permissions = ["DESCRIBE"], expression = { access_level = local.access_levels } }
    # ALTER: pyiceberg commits with glue:UpdateTable (GlueCatalog.commit_table), which Lake
    # Formation authorizes with ALTER (Lake Formation permissions reference, "ALTER").
    writer_tables   = { role = "writer", resource_type = "TABLE", permissions = ["SELECT", "INSERT", "DELETE", "DESCRIBE", "ALTER"], expression = { access_level = local.access_levels } }
    admin_databases = { role = "admin", resource_type = "DATABASE", permissions = ["CREATE_TABLE", "DESCRIBE", "ALTER"], expression = { access_level = local.access_levels } }
    admin_tables    = { role = "admin", resource_type = "TABLE", permissions = ["SELECT", "INSERT", "DELETE", "DESCRIBE", "ALTER", "DROP"], expression = { access_level = local.access_levels } }
  }
}

# Every Lake Formation object below is made by the admins the data lake settings name: wait for
# them (the settings live in modules/glue_catalog), or the first apply races the admin list.
resource "terraform_data" "lakeformation_admins" {
  input = var.lakeformation_admins
}

# --- LF tags and the fail-closed database default ------------------------------------------

resource "aws_lakeformation_lf_tag" "access_level" {
  key        = "access_level"
  values     = local.access_levels
  depends_on = [terraform_data.lakeformation_admins]
}

resource "aws_lakeformation_lf_tag" "pii" {
  key        = "pii"
  values     = ["true", "false"]
  depends_on = [terraform_data.lakeformation_admins]
}

resource "aws_lakeformation_resource_lf_tags" "database_default" {
  for_each = toset(var.database_names)
  database {
    name = each.key
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.access_level.key
    value = "restricted"
  }
}

# --- the S3 location Lake Formation vends access to ------------------------------------------

data "aws_iam_policy_document" "lake_access_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:SetContext"]
    principals {
      type        = "Service"
      identifiers = ["lakeformation.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lake_access" {
  name               = "${var.name_prefix}-lakeformation-data"
  assume_role_policy = data.aws_iam_policy_document.lake_access_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "lake_access" {
  statement {
    sid       = "WarehouseObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.warehouse_objects]
  }
  statement {
    sid       = "WarehouseListing"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.bucket_arn]
  }
  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "lake_access" {
  name   = "warehouse"
  role   = aws_iam_role.lake_access.id
  policy = data.aws_iam_policy_document.lake_access.json
}

resource "aws_lakeformation_resource" "warehouse" {
  arn        = "${var.bucket_arn}/${var.warehouse_prefix}"
  role_arn   = aws_iam_role.lake_access.arn
  depends_on = [terraform_data.lakeformation_admins]
}

# --- reader / writer / admin roles -----------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  for_each = local.roles
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = lookup(var.role_principals, each.key, ["arn:${local.partition}:iam::${local.account_id}:root"])
    }
  }
}

resource "aws_iam_role" "role" {
  for_each             = local.roles
  name                 = "${var.name_prefix}-${each.key}"
  description          = "icespec ${each.key}: Lake Formation grants by access_level tag"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600
  tags                 = var.tags
}

# Every role queries through its own Athena workgroup and reads the catalog; data access is vended
# by Lake Formation (GetDataAccess), which applies the tag grants. The reader gets no s3:GetObject
# on the warehouse, so it cannot go around Lake Formation, and reaches only its own workgroup and
# results prefix, so it cannot read another role's query results (which Lake Formation does not
# protect: Athena User Guide, "Considerations and limitations for querying data registered with
# Lake Formation").
data "aws_iam_policy_document" "query" {
  for_each = local.roles
  statement {
    sid = "AthenaOwnWorkgroup"
    actions = [
      "athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
      "athena:GetQueryResults", "athena:GetQueryResultsStream", "athena:ListQueryExecutions",
      "athena:GetWorkGroup", "athena:BatchGetQueryExecution",
    ]
    resources = [var.athena_workgroup_arns[each.key]]
  }
  statement {
    sid = "GlueCatalogRead"
    actions = [
      "glue:GetCatalog", "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
      "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
    ]
    resources = concat([local.glue_catalog_arn, local.default_database_arn], local.glue_database_arns, local.glue_table_arns)
  }
  statement {
    sid       = "LakeFormationVendsData"
    actions   = ["lakeformation:GetDataAccess"]
    resources = ["*"] # GetDataAccess has no resource-level permissions; the LF grants scope it
  }
  statement {
    sid       = "AthenaOwnResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.athena_results_bucket_arn}/${each.key}/*"]
  }
  statement {
    sid       = "AthenaOwnResultsListing"
    actions   = ["s3:ListBucket"]
    resources = [var.athena_results_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${each.key}/*", each.key]
    }
  }
  statement {
    sid       = "AthenaResultsBucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.athena_results_bucket_arn]
  }
  statement {
    sid       = "AthenaResultsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.athena_results_kms_key_arn]
  }
}

# Writers and admins commit Iceberg metadata through Glue and write data files with pyiceberg.
data "aws_iam_policy_document" "write" {
  statement {
    sid       = "GlueCommit"
    actions   = ["glue:UpdateTable", "glue:GetTableVersion", "glue:GetTableVersions"]
    resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
  }
  statement {
    sid       = "WarehouseObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.warehouse_objects]
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
  # GetBucketLocation carries no s3:prefix, so under the listing's condition it was never allowed
  # (found by the IAM linter: "Unknown condition s3:prefix for action s3:GetBucketLocation").
  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.bucket_arn]
  }
  statement {
    sid       = "LakeKeyWrite"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

# Admins run `icespec apply`: create/alter/drop tables and assign column tags.
data "aws_iam_policy_document" "administer" {
  statement {
    sid       = "GlueTables"
    actions   = ["glue:CreateTable", "glue:DeleteTable", "glue:UpdateTable"]
    resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
  }
  statement {
    sid = "AssignColumnTags"
    actions = [
      "lakeformation:AddLFTagsToResource", "lakeformation:RemoveLFTagsFromResource",
      "lakeformation:GetResourceLFTags", "lakeformation:ListLFTags", "lakeformation:GetLFTag",
    ]
    resources = ["*"] # Lake Formation tag APIs have no resource-level permissions; LF's ASSOCIATE grant scopes them
  }
}

resource "aws_iam_role_policy" "query" {
  for_each = local.roles
  name     = "query"
  role     = aws_iam_role.role[each.key].id
  policy   = data.aws_iam_policy_document.query[each.key].json
}

# Writers and admins run the pipelines and the drift sensor, which send alerts (SNS Developer Guide,
# "Encryption at rest": a publisher to an encrypted topic needs kms:GenerateDataKey and kms:Decrypt).
data "aws_iam_policy_document" "alerts" {
  count = var.alerts == null ? 0 : 1
  statement {
    sid       = "PublishAlerts"
    actions   = ["sns:Publish"]
    resources = [var.alerts.topic_arn]
  }
  statement {
    sid       = "AlertKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.alerts.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "alerts" {
  for_each = var.alerts == null ? toset([]) : toset(["writer", "admin"])
  name     = "alerts"
  role     = aws_iam_role.role[each.key].id
  policy   = data.aws_iam_policy_document.alerts[0].json
}

resource "aws_iam_role_policy" "write" {
  for_each = toset(["writer", "admin"])
  name     = "write"
  role     = aws_iam_role.role[each.key].id
  policy   = data.aws_iam_policy_document.write.json
}

resource "aws_iam_role_policy" "administer" {
  name   = "administer"
  role   = aws_iam_role.role["admin"].id
  policy = data.aws_iam_policy_document.administer.json
}

# --- grants on tag expressions ---------------------------------------------------------------

resource "aws_lakeformation_permissions" "tag_policy" {
  for_each    = local.grants
  principal   = aws_iam_role.role[each.value.role].arn
  permissions = each.value.permissions

  lf_tag_policy {
    resource_type = each.value.resource_type
    dynamic "expression" {
      for_each = each.value.expression
      content {
        key    = expression.key
        values = expression.value
      }
    }
  }

  depends_on = [aws_lakeformation_lf_tag.access_level, aws_lakeformation_lf_tag.pii, terraform_data.lakeformation_admins]
}

# The admin assigns both tags to columns during `icespec apply`.
resource "aws_lakeformation_permissions" "admin_assigns_tags" {
  for_each    = { access_level = aws_lakeformation_lf_tag.access_level, pii = aws_lakeformation_lf_tag.pii }
  depends_on  = [terraform_data.lakeformation_admins]
  principal   = aws_iam_role.role["admin"].arn
  permissions = ["ASSOCIATE", "DESCRIBE"]
  lf_tag {
    key    = each.value.key
    values = each.value.values
  }
}

# Admins create tables at the registered location; writers alter them (an Iceberg commit updates
# the table), which on a registered location also needs data location permission (Lake Formation
# permissions reference, "ALTER" and "DATA_LOCATION_ACCESS").
resource "aws_lakeformation_permissions" "data_location" {
  for_each    = toset(["writer", "admin"])
  principal   = aws_iam_role.role[each.key].arn
  permissions = ["DATA_LOCATION_ACCESS"]
  data_location {
    arn = aws_lakeformation_resource.warehouse.arn
  }
}

# Athena needs DESCRIBE on the `default` database for every query (Athena User Guide,
# "Considerations and limitations for querying data registered with Lake Formation").
resource "aws_lakeformation_permissions" "describe_default_database" {
  for_each    = local.roles
  principal   = aws_iam_role.role[each.key].arn
  permissions = ["DESCRIBE"]
  database {
    name = var.default_database_name
  }
  depends_on = [terraform_data.lakeformation_admins]
}

moved {
  from = aws_lakeformation_permissions.admin_data_location
  to   = aws_lakeformation_permissions.data_location["admin"]
}
