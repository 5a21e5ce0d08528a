# Nessie on ECS Fargate behind an ALB, with its version store in DynamoDB.
#
# Nessie serves its own API (/api/v2) and the Iceberg REST catalog (/iceberg) on port 19120;
# health lives on the Quarkus management port 9000 (/q/health/ready).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  region          = data.aws_region.current.name
  https           = var.certificate_arn != null
  scheme          = local.https ? "https" : "http"
  host            = coalesce(var.hostname, aws_lb.this.dns_name)
  api_port        = 19120
  management_port = 9000
  ingress_cidrs   = length(var.allowed_cidrs) > 0 ? var.allowed_cidrs : [var.vpc_cidr_block]
  listener_ports  = local.https ? [80, 443] : [80]
  warehouse_name  = "warehouse" # the key in NESSIE_CATALOG_WAREHOUSES_WAREHOUSE_LOCATION below
  # Nessie's DYNAMODB2 persistence (DYNAMODB is deprecated: VersionStoreConfig in Nessie's
  # source): two tables, <prefix>_refs and <prefix>_objs, hash key "k" (DynamoDB2Constants). The
  # prefix differs from the old DYNAMODB tables, whose items DYNAMODB2 cannot read.
  table_prefix   = "${var.name}_v2"
  version_tables = { refs = "${local.table_prefix}_refs", objs = "${local.table_prefix}_objs" }

  environment = merge({
    NESSIE_VERSION_STORE_TYPE                          = "DYNAMODB2"
    NESSIE_VERSION_STORE_PERSIST_DYNAMODB_TABLE_PREFIX = local.table_prefix
    QUARKUS_DYNAMODB_AWS_REGION                        = local.region
    QUARKUS_DYNAMODB_AWS_CREDENTIALS_TYPE              = "default"
    NESSIE_SERVER_DEFAULT_BRANCH                       = var.default_branch
    NESSIE_CATALOG_DEFAULT_WAREHOUSE                   = local.warehouse_name
    NESSIE_CATALOG_WAREHOUSES_WAREHOUSE_LOCATION       = "s3://${var.bucket_name}/${var.warehouse_prefix}"
    NESSIE_CATALOG_SERVICE_S3_DEFAULT_OPTIONS_REGION   = local.region
    # The task role, through the AWS SDK's default chain; the default STATIC needs access keys
    # (S3BucketOptions.authType in Nessie's source: "If not set, the default is STATIC").
    NESSIE_CATALOG_SERVICE_S3_DEFAULT_OPTIONS_AUTH_TYPE = "APPLICATION_GLOBAL"
    # Nessie signs S3 requests for its clients unless told not to (S3BucketOptions:
    # requestSigningEnabled().orElse(true)), with the task role, which the lake lets read the
    # warehouse: any client Nessie lets read a table could fetch its raw files around the query
    # engine's column rules. Writers use their own role instead (docs/nessie.md).
    NESSIE_CATALOG_SERVICE_S3_DEFAULT_OPTIONS_REQUEST_SIGNING_ENABLED = "false"
    # Behind the load balancer: build the URLs handed to clients from X-Forwarded-* (https, the
    # client's host), trusting only the VPC, where the load balancer lives (Quarkus ProxyConfig).
    QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING = "true"
    QUARKUS_HTTP_PROXY_ALLOW_X_FORWARDED        = "true"
    QUARKUS_HTTP_PROXY_ENABLE_FORWARDED_HOST    = "true"
    QUARKUS_HTTP_PROXY_TRUSTED_PROXIES          = var.vpc_cidr_block
    NESSIE_SERVER_AUTHENTICATION_ENABLED        = tostring(var.oidc.enabled)
    NESSIE_SERVER_AUTHORIZATION_ENABLED         = tostring(var.oidc.enabled)
    QUARKUS_OTEL_SDK_DISABLED                   = "true"
    }, var.oidc.enabled ? merge({
      QUARKUS_OIDC_AUTH_SERVER_URL = var.oidc.auth_server_url
      QUARKUS_OIDC_CLIENT_ID       = var.oidc.client_id
      QUARKUS_OIDC_TOKEN_AUDIENCE  = var.oidc.audience
    }, { for id, rule in var.oidc.authorization_rules : "NESSIE_SERVER_AUTHORIZATION_RULES_${upper(id)}" => rule }
  ) : {}, var.extra_environment)
}

# --- version store -----------------------------------------------------------------------------

# The DYNAMODB tables of an earlier version of this module are left in place, unmanaged: their
# history moves with Nessie's export/import (docs/deployment-aws.md), then they can be deleted.
removed {
  from = aws_dynamodb_table.version_store
  lifecycle {
    destroy = false
  }
}

resource "aws_dynamodb_table" "version_store_v2" {
  for_each                    = local.version_tables
  name                        = each.value
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "k"
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags

  attribute {
    name = "k"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# --- logs and roles ------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "nessie" {
  name              = "/icespec/${var.name}/nessie"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-nessie-execution"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.nessie.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-nessie-task"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = var.tags
}

# The warehouse's files and the lake key: what Nessie's task and the writer both need.
data "aws_iam_policy_document" "warehouse" {
  statement {
    sid       = "WarehouseObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/${var.warehouse_prefix}/*"]
  }
  statement {
    sid       = "WarehouseListing"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.warehouse_prefix, "${var.warehouse_prefix}/*"]
    }
  }
  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

# Least privilege: its own DynamoDB tables, its warehouse prefix, the lake key.
data "aws_iam_policy_document" "task" {
  source_policy_documents = [data.aws_iam_policy_document.warehouse.json]
  statement {
    sid = "VersionStore"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:Scan",
      "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem",
    ]
    resources = [for t in aws_dynamodb_table.version_store_v2 : t.arn]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "nessie"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# --- network -------------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name        = "${var.name}-nessie-alb"
  description = "Nessie load balancer: clients in, tasks out"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each          = { for pair in setproduct(local.listener_ports, local.ingress_cidrs) : "${pair[0]}-${pair[1]}" => pair }
  security_group_id = aws_security_group.alb.id
  description       = "Clients on ${each.value[0]}"
  ip_protocol       = "tcp"
  from_port         = each.value[0]
  to_port           = each.value[0]
  cidr_ipv4         = each.value[1]
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  for_each                     = toset([tostring(local.api_port), tostring(local.management_port)])
  security_group_id            = aws_security_group.alb.id
  description                  = "To Nessie tasks on ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.task.id
}

resource "aws_security_group" "task" {
  name        = "${var.name}-nessie-task"
  description = "Nessie tasks: load balancer in, AWS APIs out"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  for_each                     = toset([tostring(local.api_port), tostring(local.management_port)])
  security_group_id            = aws_security_group.task.id
  description                  = "From the load balancer on ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to AWS APIs (S3, DynamoDB, STS) and the image registry"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# --- load balancer -------------------------------------------------------------------------------

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:ALB access logs need an SSE-S3 bucket with the regional ELB account's policy; enable per deployment.
  #checkov:skip=CKV2_AWS_28:WAF is optional: the listener is limited to allowed_cidrs (or internal) and Nessie authenticates with OIDC.
  #checkov:skip=CKV_AWS_150:Deletion protection is a variable (on by default); quickstarts turn it off to be destroyable.
  name                       = "${var.name}-nessie"
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.internal ? var.private_subnet_ids : var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  tags                       = var.tags
}

resource "aws_lb_target_group" "nessie" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the hop to the task stays inside the VPC's private subnets and Nessie serves plain HTTP.
  name                 = "${var.name}-nessie"
  port                 = local.api_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  tags                 = var.tags

  health_check {
    path                = "/q/health/ready"
    port                = tostring(local.management_port)
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn
  tags              = var.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nessie.arn
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:With certificate_arn set this listener only redirects to HTTPS; plain HTTP forwarding is the documented quickstart without a certificate.
  #checkov:skip=CKV_AWS_103:Same listener: TLS is on the HTTPS listener when certificate_arn is set.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  tags              = var.tags

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.nessie.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

# --- service ---------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = "${var.name}-nessie"
  tags = var.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "nessie" {
  family                   = "${var.name}-nessie"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  tags                     = var.tags

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Quarkus writes temporary files: a task-local volume keeps the root filesystem read-only.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([{
    name                   = "nessie"
    image                  = var.image
    essential              = true
    readonlyRootFilesystem = true
    portMappings = [
      { containerPort = local.api_port, protocol = "tcp" },
      { containerPort = local.management_port, protocol = "tcp" },
    ]
    environment = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.nessie.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "nessie"
      }
    }
  }])
}

resource "aws_ecs_service" "nessie" {
  name                              = "nessie"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.nessie.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  availability_zone_rebalancing     = "ENABLED"
  health_check_grace_period_seconds = 120
  propagate_tags                    = "SERVICE"
  tags                              = var.tags

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.nessie.arn
    container_name   = "nessie"
    container_port   = local.api_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # Autoscaling owns the running count after the first deploy.
  lifecycle {
    ignore_changes = [desired_count]

    precondition {
      condition     = var.oidc.enabled || var.allow_unauthenticated
      error_message = "Nessie without authentication lets anyone who reaches it read and change every table: set oidc (enabled, auth_server_url, client_id, audience, authorization_rules), or allow_unauthenticated = true for a private quickstart."
    }
  }

  depends_on = [aws_lb_listener.http, aws_lb_listener.https]
}

resource "aws_appautoscaling_target" "nessie" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.nessie.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-nessie-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.nessie.service_namespace
  resource_id        = aws_appautoscaling_target.nessie.resource_id
  scalable_dimension = aws_appautoscaling_target.nessie.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# --- alarms ------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  alarm_name          = "${var.name}-nessie-unhealthy-targets"
  alarm_description   = "Nessie has unhealthy tasks behind the load balancer"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.nessie.arn_suffix
  }
  alarm_actions = [var.alarm_topic_arn]
  ok_actions    = [var.alarm_topic_arn]
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "server_errors" {
  alarm_name          = "${var.name}-nessie-5xx"
  alarm_description   = "Nessie answers with server errors"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 10
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
  }
  alarm_actions = [var.alarm_topic_arn]
  ok_actions    = [var.alarm_topic_arn]
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  alarm_name          = "${var.name}-nessie-cpu-high"
  alarm_description   = "Nessie runs hot even after scaling out"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = 85
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    ClusterName = aws_ecs_cluster.this.name
    ServiceName = aws_ecs_service.nessie.name
  }
  alarm_actions = [var.alarm_topic_arn]
  ok_actions    = [var.alarm_topic_arn]
  tags          = var.tags
}

# --- the writer's S3 access ------------------------------------------------------------------------
# On the Nessie path, pyiceberg writes data and metadata files itself, with the writer's own AWS
# credentials, and Nessie commits the metadata pointer. Nessie's S3 request signing and credential
# vending are not used (docs/nessie.md): this role is how writers reach the warehouse, and the lake
# bucket's policy lets only it and Nessie's task role read the warehouse.
data "aws_iam_policy_document" "writer_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = length(var.writer_principals) > 0 ? var.writer_principals : ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_iam_role" "writer" {
  name                 = "${var.name}-nessie-writer"
  description          = "icespec writer on the Nessie path: the warehouse's files, the lake key, alerts"
  assume_role_policy   = data.aws_iam_policy_document.writer_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "writer" {
  source_policy_documents = [data.aws_iam_policy_document.warehouse.json]
  statement {
    sid       = "PublishAlerts"
    actions   = ["sns:Publish"]
    resources = [var.alarm_topic_arn]
  }
  statement {
    sid       = "AlertKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.alert_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "writer" {
  name   = "warehouse"
  role   = aws_iam_role.writer.id
  policy = data.aws_iam_policy_document.writer.json
}
