variable "name" {
  description = "Name prefix of the Nessie resources (cluster, service, tables, roles)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,24}$", var.name))
    error_message = "name must be 2-25 lower-case letters, digits or '-', starting with a letter (ALB and target-group names are short)."
  }
}

variable "image" {
  description = "Nessie server image from ghcr.io or quay.io (or an ECR mirror of it), pinned to a version tag or digest. Nessie is not published to Docker Hub since 0.77 (Nessie CHANGELOG)."
  type        = string
  default     = "ghcr.io/projectnessie/nessie:0.108.4"

  validation {
    condition     = can(regex("^(ghcr\\.io|quay\\.io|[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com)/([a-z0-9._-]+/)*nessie(-[a-z]+)?(:[0-9][A-Za-z0-9._-]*|@sha256:[0-9a-f]{64})$", var.image))
    error_message = "image must come from ghcr.io/projectnessie/nessie, quay.io/projectnessie/nessie or an ECR mirror, pinned to a version (ghcr.io/projectnessie/nessie:0.108.4) or digest; Docker Hub has no Nessie images since 0.77, and 'latest' or no tag is not allowed."
  }
}

variable "vpc_id" {
  description = "VPC to run in."
  type        = string
}

variable "vpc_cidr_block" {
  description = "VPC CIDR (the internal load balancer is reachable from it)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of an internet-facing load balancer (two zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "public_subnet_ids needs subnets in two availability zones."
  }
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (and of an internal load balancer)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in two availability zones."
  }
}

variable "cpu" {
  description = "Fargate task CPU units. Nessie documents 4 CPUs and 4 GB as its minimum (\"Server sizing\"); smaller is for a quickstart."
  type        = number
  default     = 4096

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "memory" {
  description = "Fargate task memory (MiB); must suit cpu (4096 CPU → 8192-30720). Nessie documents 4 GB as its minimum."
  type        = number
  default     = 8192

  validation {
    condition     = var.memory >= 512 && var.memory <= 30720
    error_message = "memory must be between 512 and 30720 MiB."
  }
}

variable "desired_count" {
  description = "Tasks at deploy time (autoscaling moves it between min_capacity and max_capacity)."
  type        = number
  default     = 2
}

variable "min_capacity" {
  description = "Fewest tasks autoscaling keeps."
  type        = number
  default     = 1

  validation {
    condition     = var.min_capacity >= 1
    error_message = "min_capacity must be at least 1."
  }
}

variable "max_capacity" {
  description = "Most tasks autoscaling starts."
  type        = number
  default     = 4
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation autoscaling aims for."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent >= 10 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be between 10 and 90."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS. Given: HTTPS on 443 and HTTP redirects to it. Null: plain HTTP (quickstart only)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN or null."
  }
}

variable "hostname" {
  description = "DNS name clients use (matching the certificate); null uses the load balancer's DNS name."
  type        = string
  default     = null
}

variable "internal" {
  description = "Internal load balancer in the private subnets (reachable only inside the VPC and peered networks). Set false only for a public endpoint with OIDC on."
  type        = bool
  default     = true
}

variable "allowed_cidrs" {
  description = "CIDRs allowed to reach the load balancer. Empty means the VPC CIDR only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_cidrs must be CIDR blocks such as 203.0.113.0/24."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "bucket_name" {
  description = "Lake bucket holding the warehouse."
  type        = string
}

variable "bucket_arn" {
  description = "Lake bucket ARN."
  type        = string
}

variable "warehouse_prefix" {
  description = "Key prefix of the warehouse; the task role may touch only this prefix."
  type        = string
  default     = "warehouse"
}

variable "kms_key_arn" {
  description = "Key encrypting the lake, the version store and the logs."
  type        = string
}

variable "default_branch" {
  description = "Nessie's default branch."
  type        = string
  default     = "main"
}

variable "oidc" {
  description = "Nessie's authentication (Quarkus OIDC) and authorization: issuer URL (auth_server_url), client_id, the audience every token must carry, and CEL authorization rules by id (nessie.server.authorization.rules.<id>). Required unless allow_unauthenticated."
  type = object({
    enabled             = bool
    auth_server_url     = optional(string)
    client_id           = optional(string)
    audience            = optional(string)
    authorization_rules = optional(map(string), {})
  })
  default = { enabled = false }

  validation {
    condition     = !var.oidc.enabled || (can(regex("^https://", var.oidc.auth_server_url)) && try(length(var.oidc.client_id) > 0, false) && try(length(var.oidc.audience) > 0, false))
    error_message = "With oidc.enabled, set oidc.auth_server_url (https://issuer/realms/NAME), oidc.client_id and oidc.audience (Quarkus checks a token's audience only when it is configured)."
  }

  validation {
    condition     = !var.oidc.enabled || length(var.oidc.authorization_rules) > 0
    error_message = "With oidc.enabled, set oidc.authorization_rules: without rules Nessie's authorization is off and every authenticated caller may do everything."
  }

  validation {
    condition     = alltrue([for id in keys(var.oidc.authorization_rules) : can(regex("^[a-z][a-z0-9]{0,39}$", id))])
    error_message = "oidc.authorization_rules ids must be lower-case letters and digits (they become NESSIE_SERVER_AUTHORIZATION_RULES_<ID> environment variables)."
  }
}

variable "allow_unauthenticated" {
  description = "Run Nessie without authentication: a quickstart on a private network only. False (the default) requires oidc.enabled."
  type        = bool
  default     = false
}

variable "extra_environment" {
  description = "More Nessie/Quarkus settings as environment variables (NESSIE_..., QUARKUS_...)."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Days the service's CloudWatch logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value (1, 3, 5, 7, 14, 30, 60, 90, 180, 365, ...)."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic receiving the service's alarms."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the load balancer and the version-store tables from deletion (turn off for throwaway stacks)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "alert_kms_key_arn" {
  description = "Key encrypting alarm_topic_arn; the writer role publishes alerts with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.alert_kms_key_arn))
    error_message = "alert_kms_key_arn must be a KMS key ARN."
  }
}

variable "writer_principals" {
  description = "Who may assume the Nessie path's writer role (pipelines writing data files with pyiceberg). Empty: this account."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.writer_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", p))])
    error_message = "writer_principals must be IAM principal ARNs."
  }
}
