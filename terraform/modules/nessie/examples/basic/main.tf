provider "aws" {
  region = "eu-west-1"
}

module "networking" {
  source      = "../../../networking"
  name        = "acme-dev"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

module "nessie" {
  source             = "../.."
  name               = "acme-dev"
  vpc_id             = module.networking.vpc_id
  vpc_cidr_block     = module.networking.vpc_cidr_block
  public_subnet_ids  = module.networking.public_subnet_ids
  private_subnet_ids = module.networking.private_subnet_ids
  bucket_name        = "acme-lake-dev-123456789012"
  bucket_arn         = "arn:aws:s3:::acme-lake-dev-123456789012"
  kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  alarm_topic_arn    = "arn:aws:sns:eu-west-1:123456789012:acme-dev-alerts"
  alert_kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/22222222-0000-0000-0000-000000000000"
  certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  hostname           = "nessie.dev.acme.example"
  internal           = true
  allowed_cidrs      = ["10.0.0.0/8"]
  oidc = {
    enabled             = true
    auth_server_url     = "https://login.acme.example/realms/data"
    client_id           = "nessie"
    audience            = "nessie"
    authorization_rules = { signedin = "true" }
  }
}

output "iceberg_rest_uri" {
  value = module.nessie.iceberg_rest_uri
}
