terraform {
  required_version = ">= 1.9.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90" # >= 5.90, < 6.0; tested with 5.100.0
    }
  }
}
