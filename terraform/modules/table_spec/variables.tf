variable "templates_dir" {
  description = "Folder holding the table templates (`<name>.yaml` or `.yml`). Files starting with `_` or `.` are skipped."
  type        = string

  validation {
    condition     = length(trimspace(var.templates_dir)) > 0
    error_message = "templates_dir must name the folder holding the table templates, e.g. \"../../table-templates\"."
  }
}

variable "allow_no_templates" {
  description = "Accept a templates folder without any template. Off by default: a wrong path would otherwise plan to delete every database."
  type        = bool
  default     = false
}
