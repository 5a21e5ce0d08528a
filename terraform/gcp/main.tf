# GCP lakehouse from table-templates/: GCS bucket, one BigQuery dataset per namespace, a BigLake
# connection, the Data Catalog policy tags for restricted/pii columns, and reader/writer/admin
# service accounts with what each needs. The BigQuery tables for Apache Iceberg are not here:
# `icespec apply` (backend gcp) owns them, as it owns the Iceberg tables on AWS — one owner per
# object (docs/ownership.md). Model choice and limits: docs/gcp.md.

module "table_spec" {
  source        = "../modules/table_spec"
  templates_dir = startswith(var.templates_dir, "/") ? var.templates_dir : "${path.module}/${var.templates_dir}"
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

# Cloud Storage writes usage and storage logs as cloud-storage-analytics@google.com, which needs to
# create objects in the log bucket (Cloud Storage docs, "Usage logs & storage logs").
resource "google_storage_bucket_iam_member" "access_log_writer" {
  count  = var.access_log_bucket == null ? 1 : 0
  bucket = google_storage_bucket.access_logs[0].name
  role   = "roles/storage.objectCreator"
  member = "group:cloud-storage-analytics@google.com"
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

# The connection's service account reads and writes the Parquet data and Iceberg metadata in the
# bucket: "Storage Object User (roles/storage.objectUser)" and "Storage Legacy Bucket Reader
# (roles/storage.legacyBucketReader)" on the bucket (BigQuery docs, "Create BigLake Iceberg tables":
# the connection service account's roles).
resource "google_storage_bucket_iam_member" "biglake_connection" {
  for_each = toset(["roles/storage.objectUser", "roles/storage.legacyBucketReader"])
  bucket   = google_storage_bucket.lakehouse.name
  role     = each.key
  member   = "serviceAccount:${google_bigquery_connection.biglake.cloud_resource[0].service_account_id}"
}

# Every caller of a query on a BigQuery table for Apache Iceberg needs BigQuery Connection User on
# its connection (BigQuery docs, "Query Iceberg data": the caller's roles).
resource "google_bigquery_connection_iam_member" "connection_user" {
  for_each      = local.dataset_roles
  location      = google_bigquery_connection.biglake.location
  connection_id = google_bigquery_connection.biglake.connection_id
  role          = "roles/bigquery.connectionUser"
  member        = "serviceAccount:${google_service_account.role[each.key].email}"
}

# The admin runs `icespec apply`, which creates the tables: creating a BigQuery table for Apache
# Iceberg on a connection delegates it (bigquery.connections.delegate; BigQuery docs, "Create
# BigLake Iceberg tables", which name Connection Admin for it). A custom role holds just delegate,
# use and get: Connection Admin would also let the admin re-grant, change or delete the connection.
resource "google_project_iam_custom_role" "table_creator" {
  role_id     = replace("${var.name_prefix}_iceberg_table_creator", "-", "_")
  title       = "icespec Iceberg table creator"
  description = "Create BigQuery tables for Apache Iceberg on the BigLake connection (icespec apply)."
  permissions = ["bigquery.connections.delegate", "bigquery.connections.get", "bigquery.connections.use"]
}

resource "google_bigquery_connection_iam_member" "table_creator" {
  location      = google_bigquery_connection.biglake.location
  connection_id = google_bigquery_connection.biglake.connection_id
  role          = google_project_iam_custom_role.table_creator.id
  member        = "serviceAccount:${google_service_account.role["admin"].email}"
}

# Creating or altering a table whose schema carries policy tags needs permission to set them and
# to read the taxonomy; a custom role holds exactly those two for the admin.
resource "google_project_iam_custom_role" "policy_tag_setter" {
  role_id     = replace("${var.name_prefix}_policy_tag_setter", "-", "_")
  title       = "icespec policy tag setter"
  description = "Set policy tags in a table's schema (icespec apply) and read their taxonomy."
  permissions = ["bigquery.tables.setCategory", "datacatalog.taxonomies.get"]
}

resource "google_project_iam_member" "policy_tag_setter" {
  project = var.project_id
  role    = google_project_iam_custom_role.policy_tag_setter.id
  member  = "serviceAccount:${google_service_account.role["admin"].email}"
}

resource "google_kms_crypto_key_iam_member" "biglake" {
  count         = var.kms_enabled ? 1 : 0
  crypto_key_id = google_kms_crypto_key.lakehouse[0].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${google_bigquery_connection.biglake.cloud_resource[0].service_account_id}"
}

# Tables an earlier version of this root created now belong to `icespec apply`: Terraform forgets
# them and never destroys them (or their data).
removed {
  from = google_bigquery_table.iceberg
  lifecycle {
    destroy = false
  }
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
