"""Test-only servers and helpers shared by several test folders."""
