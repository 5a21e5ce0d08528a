terraform {
  required_version = ">= 1.9.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.10.0, < 7.0.0" # biglake_configuration on google_bigquery_table
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
