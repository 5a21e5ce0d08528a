"""Iceberg tables from templates: diff/plan/apply (metadata) and safe writers (data)."""
