terraform {
  # 1.9: a variable's validation may refer to another variable (existing_tables → tables).
  required_version = ">= 1.9.0"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_glue_catalog_table_optimizer with retention and orphan_file_deletion configurations;
      # tested with 5.100.0, which has no run_rate_in_hours (Glue's default, every 24 h, applies).
      version = ">= 5.90, < 6.0"
    }
  }
}
