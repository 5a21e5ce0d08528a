provider "aws" {
  region = var.region

  default_tags {
    tags = merge({
      project     = "icespec"
      environment = var.environment
      managed-by  = "terraform"
    }, var.tags)
  }
}
