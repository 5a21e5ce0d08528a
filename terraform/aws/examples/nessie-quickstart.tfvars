# Nessie quickstart: Nessie on Fargate (one NAT gateway, plain HTTP, no auth) behind an internal
# load balancer, below Nessie's documented sizing minimum (4 CPUs, 4 GB). Not for real data: no
# TLS, no authentication (allow_unauthenticated says so explicitly).
name          = "icespec"
environment   = "demo"
region        = "eu-west-1"
catalog_type  = "nessie"
force_destroy = true

nessie = {
  desired_count         = 1
  min_capacity          = 1
  max_capacity          = 2
  cpu                   = 1024
  memory                = 2048
  allowed_cidrs         = ["10.0.0.0/8"]
  deletion_protection   = false
  allow_unauthenticated = true
}
log_retention_days = 7
