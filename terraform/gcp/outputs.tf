output "bucket" {
  description = "GCS bucket holding the Iceberg data and metadata."
  value       = google_storage_bucket.lakehouse.name
}

output "datasets" {
  description = "Namespace → BigQuery dataset id."
  value       = { for ns, d in google_bigquery_dataset.namespace : ns => d.dataset_id }
}

output "tables" {
  description = "Template stem → the BigQuery table id `icespec apply` creates for it (icespec owns the tables)."
  value       = { for stem, t in module.table_spec.tables : stem => "${var.project_id}.${t.namespace}.${t.name}" }
}

output "biglake_connection" {
  description = "BigLake connection id (projects/…/locations/…/connections/…)."
  value       = google_bigquery_connection.biglake.id
}

output "policy_tags" {
  description = "Policy tag key (restricted, pii) → resource name."
  value       = { for k, t in google_data_catalog_policy_tag.access : k => t.name }
}

output "service_accounts" {
  description = "reader / writer / admin service account emails."
  value       = { for k, sa in google_service_account.role : k => sa.email }
}

output "icespec_env" {
  description = "Environment for the icespec pipelines (Dagster, CLI) with ICESPEC_BACKEND=gcp."
  value = {
    ICESPEC_BACKEND                   = "gcp"
    ICESPEC_GCP_PROJECT               = var.project_id
    ICESPEC_GCP_DATASET_LOCATION      = var.location
    ICESPEC_GCP_BIGLAKE_CONNECTION    = google_bigquery_connection.biglake.id
    ICESPEC_GCP_STORAGE_URI           = "gs://${google_storage_bucket.lakehouse.name}/iceberg"
    ICESPEC_GCP_POLICY_TAG_RESTRICTED = google_data_catalog_policy_tag.access["restricted"].name
    ICESPEC_GCP_POLICY_TAG_PII        = google_data_catalog_policy_tag.access["pii"].name
  }
}
