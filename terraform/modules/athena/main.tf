# Athena workgroup with enforced settings (clients cannot override the result location or
# encryption), KMS-encrypted results in their own bucket with expiry, and a bytes-scanned cutoff.

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
      kms_master_key_id = var.kms_key_arn
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

resource "aws_athena_workgroup" "this" {
  name          = var.workgroup_name
  description   = "icespec queries (Lake Formation enforces column access)"
  state         = "ENABLED"
  force_destroy = var.force_destroy
  tags          = var.tags

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    result_configuration {
      output_location = "s3://${aws_s3_bucket.results.bucket}/results/"
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
