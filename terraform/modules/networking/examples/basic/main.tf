provider "aws" {
  region = "eu-west-1"
}

module "networking" {
  source             = "../.."
  name               = "acme-dev"
  cidr_block         = "10.40.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

output "private_subnets" {
  value = module.networking.private_subnet_ids
}
