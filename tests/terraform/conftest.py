"""Fixtures for the Terraform tests: a working copy of terraform/ (and the templates) in tmp."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform.tfrun import copy_terraform_tree


@pytest.fixture(scope="session")
def terraform_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-mostly copy of terraform/ for validate and `terraform test` (each run has its own data dir)."""
    return copy_terraform_tree(tmp_path_factory.mktemp("tf-copy"))
