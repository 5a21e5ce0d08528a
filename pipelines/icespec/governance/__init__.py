"""Access governance beside the table layer: Lake Formation column tags from the templates."""
