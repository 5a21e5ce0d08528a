# One Athena workgroup per role with enforced settings (clients cannot override the result location
# or encryption), each writing to its own prefix of a results bucket encrypted with its own key, with
# expiry and a bytes-scanned cutoff.
#
# Why one per role: query results are plain S3 objects that Lake Formation does not protect; a
# reader able to read the writer's results would see restricted columns. Athena's guidance is to
# "use workgroups to specify the location for query results and align workgroup membership with
# Lake Formation permissions" (Athena User Guide, "Considerations and limitations for querying data
# registered with Lake Formation"). Each role's IAM policy (modules/lake_formation) reaches only
# its own workgroup and prefix.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# Results get a key of their own: the lake key's users (Lake Formation's data role, writers) must
# not be able to read query results through it, and the results' readers need nothing of the lake.
data "aws_iam_policy_document" "results_key" {
  #checkov:skip=CKV_AWS_111:A key policy's only resource is the key itself; "*" cannot widen it.
  #checkov:skip=CKV_AWS_356:Same: "*" in a key policy means this key.
  #checkov:skip=CKV_AWS_109:The account-root statement is AWS's default key policy; IAM policies then grant each role its use.
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "results" {
  description             = "icespec Athena query results (${var.results_bucket_name})"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.results_key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "results" {
  name          = "alias/${var.results_bucket_name}"
  target_key_id = aws_kms_key.results.key_id
}

resource "aws_s3_bucket" "results" {
  #checkov:skip=CKV_AWS_144:Query results are disposable (expire after results_expiration_days); no replication.
  #checkov:skip=CKV2_AWS_62:No consumer of event notifications for query results.
  #checkov:skip=CKV_AWS_18:Access logging is configured by aws_s3_bucket_logging below when access_logging_enabled.
  bucket        = var.results_bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "results" {
  bucket                  = aws_s3_bucket.results.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "results" {
  bucket = aws_s3_bucket.results.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.results.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    id     = "expire-query-results"
    status = "Enabled"
    filter {}
    expiration {
      days = var.results_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  depends_on = [aws_s3_bucket_versioning.results]
}

data "aws_iam_policy_document" "results" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.results.arn, "${aws_s3_bucket.results.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  # Deny only a put that asks for another algorithm: a put without the header gets the bucket's
  # SSE-KMS default. The Null guard is needed because a negated operator is true when the key is
  # absent (IAM User Guide, "IAM JSON policy elements: Condition operators").
  statement {
    sid       = "DenyPutsNotUsingKms"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.results.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["false"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }
}

resource "aws_s3_bucket_policy" "results" {
  bucket     = aws_s3_bucket.results.id
  policy     = data.aws_iam_policy_document.results.json
  depends_on = [aws_s3_bucket_public_access_block.results]
}

resource "aws_s3_bucket_logging" "results" {
  count         = var.access_logging_enabled ? 1 : 0
  bucket        = aws_s3_bucket.results.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3/${var.results_bucket_name}/"
}

# The single workgroup of an earlier version is left in place, unmanaged: deleting a workgroup with
# query history needs RecursiveDeleteOption (Athena API Reference, DeleteWorkGroup), which the
# provider sends only with force_destroy. Delete it by hand once nobody uses it.
removed {
  from = aws_athena_workgroup.this
  lifecycle {
    destroy = false
  }
}

resource "aws_athena_workgroup" "role" {
  for_each      = toset(var.roles)
  name          = "${var.workgroup_name}-${each.key}"
  description   = "icespec ${each.key} queries (Lake Formation enforces column access; results under ${each.key}/)"
  state         = "ENABLED"
  force_destroy = var.force_destroy
  tags          = var.tags

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    result_configuration {
      output_location = "s3://${aws_s3_bucket.results.bucket}/${each.key}/"
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.results.arn
      }
    }
  }
}
