terraform {
  # Provider-free on purpose: only built-in functions, so any root (AWS, GCP, tests) can use it.
  required_version = ">= 1.9.0"
}
