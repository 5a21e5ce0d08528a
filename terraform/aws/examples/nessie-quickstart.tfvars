# Nessie quickstart: Nessie on Fargate (one NAT gateway, plain HTTP, no auth), reachable from one
# office range. Not for real data: no TLS, no authentication.
name          = "icespec"
environment   = "demo"
region        = "eu-west-1"
catalog_type  = "nessie"
force_destroy = true

nessie = {
  desired_count       = 1
  min_capacity        = 1
  max_capacity        = 2
  cpu                 = 512
  memory              = 1024
  allowed_cidrs       = ["203.0.113.0/24"]
  deletion_protection = false
}
log_retention_days = 7
