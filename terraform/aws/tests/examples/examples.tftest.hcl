# Plans the root with one tfvars file (given with -var-file) against the mocked provider:
#   terraform test -test-directory=tests/examples -var-file=examples/glue-quickstart.tfvars

mock_provider "aws" {
  source = "./tests/mocks"
}

run "plans" {
  command = plan
  assert {
    condition     = contains(["aws-glue", "aws-nessie"], output.icespec_backend) && length(output.namespaces) > 0
    error_message = "the example plans a stack with the templates' namespaces"
  }
}
