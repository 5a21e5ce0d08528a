# Nessie production: internal HTTPS load balancer, OIDC authentication, NAT per zone, protected
# version store and load balancer, a year of logs.
name         = "icespec"
environment  = "prod"
region       = "eu-west-1"
catalog_type = "nessie"

nessie = {
  image               = "ghcr.io/projectnessie/nessie:0.108.4"
  desired_count       = 2
  min_capacity        = 2
  max_capacity        = 6
  cpu                 = 4096
  memory              = 8192
  certificate_arn     = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  hostname            = "nessie.data.example.com"
  internal            = true
  allowed_cidrs       = ["10.0.0.0/8"]
  nat_gateway_per_az  = true
  deletion_protection = true
  oidc = {
    enabled         = true
    auth_server_url = "https://login.example.com/realms/data"
    client_id       = "nessie"
    audience        = "nessie"
    # CEL rules (Nessie "Authorization"): pipelines commit, everyone else signed in reads.
    authorization_rules = {
      pipelineswrite = "'data-pipelines' in roles || 'data-platform' in roles"
      analystsread   = "op in ['VIEW_REFERENCE', 'READ_ENTITY_VALUE', 'READ_CONTENT_KEY', 'LIST_COMMIT_LOG', 'READ_ENTRIES']"
    }
  }
}
trino_role_groups  = { reader = "data-analysts", writer = "data-pipelines", admin = "data-platform" }
alert_emails       = ["data-platform-oncall@example.com"]
log_retention_days = 365
