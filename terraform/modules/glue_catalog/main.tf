# The Glue Data Catalog side of the lake: one database per namespace found in the templates, and
# the catalog's permission model.
#
# Tables are NOT created here: `icespec apply` creates and evolves them through pyiceberg
# (docs/ownership.md) — every object has one owner, so neither tool sees a perpetual diff.

data "aws_caller_identity" "current" {}

data "aws_iam_session_context" "deployer" {
  arn = data.aws_caller_identity.current.arn
}

locals {
  owner_path = "/icespec/lake-formation"
  admins     = distinct(length(var.lakeformation_admin_arns) > 0 ? var.lakeformation_admin_arns : [data.aws_iam_session_context.deployer.issuer_arn])
}

# The admin list as it is now: another stack in this account (another environment) or the
# organization may have set it.
data "aws_lakeformation_data_lake_settings" "current" {}

# One account holds one environment: the data lake settings, the LF tag keys and the databases are
# account-wide, and destroying a second environment's stack would reset the first one's admins. The
# stack that owns them says so in a parameter; a stack of another name refuses to plan. (The
# provider marks every parameter value sensitive; this one is a stack name, not a secret.)
data "aws_ssm_parameters_by_path" "owner" {
  path = local.owner_path
}

resource "aws_ssm_parameter" "owner" {
  #checkov:skip=CKV2_AWS_34:Not a secret: the name of the stack that owns this account's Lake Formation settings.
  name        = "${local.owner_path}/stack"
  description = "The icespec stack owning this account's Lake Formation settings, LF tags and databases"
  type        = "String"
  value       = var.owner
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for owner in nonsensitive(data.aws_ssm_parameters_by_path.owner.values) : owner == var.owner])
      error_message = "This account's Lake Formation settings belong to the icespec stack '${join(", ", nonsensitive(data.aws_ssm_parameters_by_path.owner.values))}', not '${var.owner}': use one AWS account per environment (docs/deployment-aws.md). Applying here would overwrite that stack's admins, and destroying this stack would remove them."
    }
  }
}

# Lake Formation-only mode: no IAM_ALLOWED_PRINCIPALS default grant on new databases or tables
# (the provider sends empty default-permission lists when the blocks are absent). Without this,
# any IAM principal with glue:GetTable and s3:GetObject would bypass the column tags.
# This resource owns the account's Lake Formation admin list, so one account holds one
# environment (docs/deployment-aws.md): the precondition refuses to drop an admin someone else set.
resource "aws_lakeformation_data_lake_settings" "this" {
  admins = local.admins

  depends_on = [aws_ssm_parameter.owner] # the owner check runs before anything account-wide changes

  lifecycle {
    precondition {
      condition     = length(setsubtract(toset(coalesce(data.aws_lakeformation_data_lake_settings.current.admins, [])), toset(local.admins))) == 0
      error_message = "This account's Lake Formation admins include ${join(", ", setsubtract(toset(coalesce(data.aws_lakeformation_data_lake_settings.current.admins, [])), toset(local.admins)))}, which lakeformation_admin_arns leaves out: applying would remove them. Another environment's stack in the same account (use one account per environment) or your organization set them; add them to lakeformation_admin_arns if they belong."
    }
  }
}

# Athena describes the `default` database on every query (Athena User Guide, "Considerations and
# limitations for querying data registered with Lake Formation"), so it must exist.
resource "aws_glue_catalog_database" "default" {
  count       = var.create_default_database ? 1 : 0
  name        = "default"
  description = "Athena's default database (icespec keeps no tables here)"
  tags        = var.tags

  depends_on = [aws_lakeformation_data_lake_settings.this]
}

resource "aws_glue_catalog_database" "namespace" {
  for_each     = toset(var.namespaces)
  name         = each.key
  description  = "${var.description_prefix} ${each.key} (tables are managed by icespec apply)"
  location_uri = "${var.warehouse_uri}/${each.key}.db"
  tags         = var.tags

  depends_on = [aws_lakeformation_data_lake_settings.this]
}
