# terraform -chdir=terraform/gcp apply -var-file=examples/gcp-quickstart.tfvars
project_id                        = "my-lakehouse-project"
location                          = "US"
region                            = "us-central1"
name_prefix                       = "icespec"
kms_enabled                       = true
kms_rotation_period               = "7776000s"
noncurrent_version_retention_days = 30
deletion_protection               = true
labels = {
  team = "data-platform"
}
