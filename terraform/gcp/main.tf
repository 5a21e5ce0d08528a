# GCP lakehouse from table-templates/: GCS bucket, one BigQuery dataset per namespace, a BigLake
# connection, BigQuery tables for Apache Iceberg (one per template) with Data Catalog policy tags
# on every restricted/pii leaf column, and reader/writer/admin service accounts.
# Model choice and limits: docs/gcp.md.

module "table_spec" {
  source        = "../modules/table_spec"
  templates_dir = startswith(var.templates_dir, "/") ? var.templates_dir : "${path.module}/${var.templates_dir}"
}

module "table_schemas" {
  source           = "../modules/gcp_table_schemas"
  tables           = module.table_spec.tables
  rendered         = jsondecode(file("${path.module}/${var.table_schemas_file}")).tables
  policy_tag_names = { for key, tag in google_data_catalog_policy_tag.access : key => tag.name }
}

locals {
  labels     = merge({ managed-by = "terraform", app = "icespec" }, var.labels)
  tables     = module.table_spec.tables
  kms_key    = var.kms_enabled ? google_kms_crypto_key.lakehouse[0].id : null
  log_bucket = var.access_log_bucket != null ? var.access_log_bucket : google_storage_bucket.access_logs[0].name

  policy_tag_keys = ["restricted", "pii"]
  fine_grained_readers = {
    for pair in setproduct(["writer", "admin"], local.policy_tag_keys) : "${pair[0]}-${pair[1]}" => {
      role_account = pair[0]
      tag          = pair[1]
    }
  }
  # Dataset roles; readers see columns without a policy tag only (no Fine-Grained Reader).
  dataset_roles = {
    reader = "roles/bigquery.dataViewer"
    writer = "roles/bigquery.dataEditor"
    admin  = "roles/bigquery.dataOwner"
  }
  dataset_bindings = {
    for pair in setproduct(module.table_spec.namespaces, keys(local.dataset_roles)) : "${pair[0]}-${pair[1]}" => {
      dataset      = pair[0]
      role_account = pair[1]
    }
  }
}

# --- encryption ----------------------------------------------------------------------------------
resource "google_kms_key_ring" "lakehouse" {
  count    = var.kms_enabled ? 1 : 0
  name     = "${var.name_prefix}-lakehouse"
  location = lower(var.location)
}

resource "google_kms_crypto_key" "lakehouse" {
  count           = var.kms_enabled ? 1 : 0
  name            = "${var.name_prefix}-lakehouse"
  key_ring        = google_kms_key_ring.lakehouse[0].id
  rotation_period = var.kms_rotation_period
  purpose         = "ENCRYPT_DECRYPT"
  labels          = local.labels

  lifecycle {
    prevent_destroy = true # destroying the key destroys every object encrypted with it
  }
}

data "google_storage_project_service_account" "gcs" {}

data "google_bigquery_default_service_account" "bigquery" {}

resource "google_kms_crypto_key_iam_member" "service_agents" {
  for_each = var.kms_enabled ? {
    gcs      = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
    bigquery = "serviceAccount:${data.google_bigquery_default_service_account.bigquery.email}"
  } : {}
  crypto_key_id = google_kms_crypto_key.lakehouse[0].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value
}

# --- storage -------------------------------------------------------------------------------------
resource "google_storage_bucket" "access_logs" {
  #checkov:skip=CKV_GCP_62:This is the log sink itself; logging it into itself would loop.
  count                       = var.access_log_bucket == null ? 1 : 0
  name                        = "${var.project_id}-${var.name_prefix}-access-logs"
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = 365
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "lakehouse" {
  name                        = "${var.project_id}-${var.name_prefix}-lakehouse"
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  versioning {
    enabled = true
  }

  logging {
    log_bucket = local.log_bucket
  }

  dynamic "encryption" {
    for_each = var.kms_enabled ? [local.kms_key] : []
    content {
      default_kms_key_name = encryption.value
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.service_agents]
}

# --- BigQuery ------------------------------------------------------------------------------------
resource "google_bigquery_dataset" "namespace" {
  for_each                   = toset(module.table_spec.namespaces)
  dataset_id                 = each.key
  location                   = var.location
  description                = "icespec namespace ${each.key}: ${join(", ", module.table_spec.tables_by_namespace[each.key])}"
  delete_contents_on_destroy = !var.deletion_protection
  labels                     = local.labels

  dynamic "default_encryption_configuration" {
    for_each = var.kms_enabled ? [local.kms_key] : []
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.service_agents]
}

resource "google_bigquery_connection" "biglake" {
  connection_id = "${var.name_prefix}-biglake"
  location      = var.location
  friendly_name = "icespec BigLake"
  description   = "Reads and writes the Iceberg data of BigQuery tables for Apache Iceberg in ${google_storage_bucket.lakehouse.name}."

  cloud_resource {}
}

# The connection's service account writes the Parquet data and Iceberg metadata in the bucket.
resource "google_storage_bucket_iam_member" "biglake_object_admin" {
  bucket = google_storage_bucket.lakehouse.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_bigquery_connection.biglake.cloud_resource[0].service_account_id}"
}

resource "google_kms_crypto_key_iam_member" "biglake" {
  count         = var.kms_enabled ? 1 : 0
  crypto_key_id = google_kms_crypto_key.lakehouse[0].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${google_bigquery_connection.biglake.cloud_resource[0].service_account_id}"
}

resource "google_bigquery_table" "iceberg" {
  #checkov:skip=CKV_GCP_80:An Iceberg table keeps its data as Parquet in the bucket, CMEK-encrypted when kms_enabled; a table key covers BigQuery-managed storage only (docs/gcp.md).
  for_each            = local.tables
  dataset_id          = google_bigquery_dataset.namespace[each.value.namespace].dataset_id
  table_id            = each.value.name
  description         = each.value.description
  deletion_protection = var.deletion_protection
  labels              = local.labels
  schema              = module.table_schemas.schemas[each.key]
  clustering          = length(module.table_schemas.clustering[each.key]) > 0 ? module.table_schemas.clustering[each.key] : null

  biglake_configuration {
    connection_id = google_bigquery_connection.biglake.id
    storage_uri   = "gs://${google_storage_bucket.lakehouse.name}/iceberg/${each.value.namespace}/${each.value.name}/"
    file_format   = "PARQUET"
    table_format  = "ICEBERG"
  }

  depends_on = [google_storage_bucket_iam_member.biglake_object_admin, google_kms_crypto_key_iam_member.biglake]
}

# --- column-level security -----------------------------------------------------------------------
resource "google_data_catalog_taxonomy" "access" {
  display_name           = "${var.name_prefix} column access"
  description            = "icespec access levels: columns tagged here are hidden from everyone without Fine-Grained Reader on the tag."
  region                 = lower(var.location)
  activated_policy_types = ["FINE_GRAINED_ACCESS_CONTROL"]
}

resource "google_data_catalog_policy_tag" "access" {
  for_each     = toset(local.policy_tag_keys)
  taxonomy     = google_data_catalog_taxonomy.access.id
  display_name = each.key
  description  = each.key == "pii" ? "Personal data (pii: true in a template)." : "access_level: restricted (the default for unclassified columns)."
}

resource "google_service_account" "role" {
  for_each     = local.dataset_roles
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = "icespec ${each.key}"
  description  = each.key == "reader" ? "Reads public and internal columns; restricted and pii columns are hidden by policy tags." : "icespec ${each.key}: reads every column."
}

resource "google_data_catalog_policy_tag_iam_member" "fine_grained_reader" {
  for_each   = local.fine_grained_readers
  policy_tag = google_data_catalog_policy_tag.access[each.value.tag].name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = "serviceAccount:${google_service_account.role[each.value.role_account].email}"
}

resource "google_bigquery_dataset_iam_member" "role" {
  for_each   = local.dataset_bindings
  dataset_id = google_bigquery_dataset.namespace[each.value.dataset].dataset_id
  role       = local.dataset_roles[each.value.role_account]
  member     = "serviceAccount:${google_service_account.role[each.value.role_account].email}"
}

resource "google_project_iam_member" "job_user" {
  for_each = local.dataset_roles
  project  = var.project_id
  role     = "roles/bigquery.jobUser"
  member   = "serviceAccount:${google_service_account.role[each.key].email}"
}
