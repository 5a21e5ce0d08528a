# The Glue Data Catalog side of the lake: one database per namespace found in the templates, and
# the catalog's permission model.
#
# Tables are NOT created here: `icespec apply` creates and evolves them through pyiceberg
# (docs/ownership.md) — every object has one owner, so neither tool sees a perpetual diff.

data "aws_caller_identity" "current" {}

data "aws_iam_session_context" "deployer" {
  arn = data.aws_caller_identity.current.arn
}

# Lake Formation-only mode: no IAM_ALLOWED_PRINCIPALS default grant on new databases or tables
# (the provider sends empty default-permission lists when the blocks are absent). Without this,
# any IAM principal with glue:GetTable and s3:GetObject would bypass the column tags.
# Caution: this resource owns the account's Lake Formation admin list — include every admin.
resource "aws_lakeformation_data_lake_settings" "this" {
  admins = distinct(concat(
    length(var.lakeformation_admin_arns) > 0 ? var.lakeformation_admin_arns : [data.aws_iam_session_context.deployer.issuer_arn]
  ))
}

resource "aws_glue_catalog_database" "namespace" {
  for_each     = toset(var.namespaces)
  name         = each.key
  description  = "${var.description_prefix} ${each.key} (tables are managed by icespec apply)"
  location_uri = "${var.warehouse_uri}/${each.key}.db"
  tags         = var.tags

  depends_on = [aws_lakeformation_data_lake_settings.this]
}
