output "nessie_uri" {
  description = "Nessie API v2 endpoint."
  value       = "${local.scheme}://${local.host}/api/v2"
}

output "iceberg_rest_uri" {
  description = "Iceberg REST catalog endpoint served by Nessie (pyiceberg's REST catalog uri)."
  value       = "${local.scheme}://${local.host}/iceberg"
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.nessie.name
}

output "task_role_arn" {
  description = "Role the Nessie tasks run as."
  value       = aws_iam_role.task.arn
}

output "version_store_tables" {
  description = "DynamoDB tables of the version store."
  value       = [for t in aws_dynamodb_table.version_store_v2 : t.name]
}

output "log_group_name" {
  description = "CloudWatch log group of the service."
  value       = aws_cloudwatch_log_group.nessie.name
}

output "default_branch" {
  description = "Nessie default branch."
  value       = var.default_branch
}

output "warehouse_name" {
  description = "Name of Nessie's Iceberg REST warehouse (clients pass it as `warehouse`)."
  value       = local.warehouse_name
}

output "writer_role_arn" {
  description = "Role pipelines assume to write the warehouse's files on the Nessie path."
  value       = aws_iam_role.writer.arn
}
